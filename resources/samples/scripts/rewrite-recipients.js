// Recipient rewriting: mail for the old domain goes to the same mailbox at the new one, and a
// copy of everything goes to the archive. Envelope edits apply at data.
var from = "@old.example.com";
var to = "@new.example.com";
var archive = "archive@example.com";

function answer(call) {
    if (call.stage !== "data")
        return null;
    var result = accept();
    call.envelope.to.forEach(function (address) {
        var lower = address.toLowerCase();
        if (lower.slice(-from.length) === from) {
            result.removeRecipient(address)
                  .addRecipient(lower.slice(0, lower.length - from.length) + to);
        }
    });
    if (call.envelope.to.indexOf(archive) < 0)
        result.addRecipient(archive);
    return result;
}
