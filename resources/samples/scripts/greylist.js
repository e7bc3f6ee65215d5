// Greylisting: the first time a (client IP, sender, recipient) triplet is seen, tempfail the
// recipient; accept it once the MTA retries after at least minimumDelayMs. Real MTAs retry after
// minutes; spam cannons often never do.
var minimumDelayMs = 5 * 60 * 1000;

function answer(call) {
    if (call.stage !== "rcpt")
        return null; // not me: the next rule (or the stage default) answers
    var to = call.envelope.to[call.envelope.to.length - 1];
    var key = [call.client.ip, call.envelope.from || "<>", to].join(" ");
    var seen = globalState.greylist || (globalState.greylist = {});
    var now = Date.now();
    if (seen[key] === undefined) {
        seen[key] = now;
        log("greylisted", key);
        return tempfail(451, "4.7.1", "Greylisted, please try again later");
    }
    if (now - seen[key] < minimumDelayMs) {
        log("retried too early", key);
        return tempfail(451, "4.7.1", "Greylisted, please try again later");
    }
    return accept();
}
