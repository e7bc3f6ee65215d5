// Quarantine for executables: a message carrying a program (by name or by type) is held for
// review, with the reason in a header; anything else is left to the next rule.
var names = /\.(exe|com|scr|pif|msi|bat|cmd|ps1|vbs|js|jar|dll)$/i;
var types = ["application/x-msdownload", "application/x-dosexec", "application/x-executable",
             "application/vnd.microsoft.portable-executable", "application/java-archive"];

function answer(call) {
    if (call.stage !== "data" || !call.message)
        return null;
    var found = call.message.attachments.filter(function (part) {
        return names.test(part.filename) || types.indexOf(part.contentType) >= 0;
    });
    if (found.length === 0)
        return null;
    var list = found.map(function (part) { return part.filename || part.contentType; }).join(", ");
    log("executable attachment(s):", list);
    return quarantine().addHeader("X-Quarantine-Reason", "executable attachment: " + list);
}
