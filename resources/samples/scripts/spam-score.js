// A small spam scorer: a few points for suspicious subject words, executable attachments, and a
// header From that does not match the envelope sender. Adds X-Spam-Score; rejects above the
// threshold.
var threshold = 5;
var words = { "free": 1.5, "winner": 2, "bitcoin": 2, "urgent": 1, "viagra": 3 };
var riskyTypes = /\.(exe|scr|js|vbs|bat|cmd|jar|iso)$/i;

function answer(call) {
    if (call.stage !== "data" || !call.message)
        return null;
    var score = 0;
    var reasons = [];
    var subject = (call.message.subject || "").toLowerCase();
    for (var word in words) {
        if (subject.indexOf(word) >= 0) {
            score += words[word];
            reasons.push("subject:" + word);
        }
    }
    call.message.attachments.forEach(function (part) {
        if (riskyTypes.test(part.filename)) {
            score += 3;
            reasons.push("attachment:" + part.filename);
        }
    });
    var headerFrom = (call.message.from || "").toLowerCase();
    var envelopeFrom = (call.envelope.from || "").toLowerCase();
    if (headerFrom && envelopeFrom && headerFrom !== envelopeFrom) {
        score += 2;
        reasons.push("from-mismatch");
    }
    log("score", score, reasons.join(","));
    if (score > threshold)
        return reject(550, "5.7.1", "Message looks like spam (score " + score + ")");
    return accept().addHeader("X-Spam-Score", score.toFixed(1) + " (" + reasons.join(", ") + ")");
}
