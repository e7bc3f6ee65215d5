// SPDX-License-Identifier: GPL-3.0-or-later
// Reflects edits of the drafts' JMAP /message in the raw message: the header list, the subject and
// the body of a single-part message. Untouched header fields keep their original bytes.
#include "mock/protocol/headerblock_p.h"
#include "mock/protocol/patchengine_p.h"

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

struct JmapHeader
{
    QByteArray name;
    QByteArray value;
    friend bool operator==(const JmapHeader &, const JmapHeader &) = default;
};

QList<JmapHeader> headersOf(const Json &message)
{
    QList<JmapHeader> result;
    const Json *headers = findPointer(message, u"/headers");
    if (!headers || !headers->is_array())
        return result;
    for (const Json &header : *headers) {
        const Json *name = findPointer(header, u"/name");
        const Json *value = findPointer(header, u"/value");
        if (name && name->is_string() && value && value->is_string())
            result.append({QByteArray::fromStdString(name->get<std::string>()),
                QByteArray::fromStdString(value->get<std::string>())});
    }
    return result;
}

// RFC 2047 "B" encoding of a header text. The protocol library cannot use GMime (it stands alone
// below mock/mime), and this is the one encoder it needs; words stay under 75 characters and
// never split a UTF-8 sequence.
QByteArray encodeWord(const QString &text)
{
    bool ascii = true;
    for (QChar c : text)
        ascii = ascii && c.unicode() >= 0x20 && c.unicode() < 0x7f;
    if (ascii)
        return text.toUtf8();
    const QByteArray utf8 = text.toUtf8();
    QByteArray out;
    qsizetype start = 0;
    while (start < utf8.size()) {
        qsizetype end = qMin(start + 45, utf8.size());
        while (end < utf8.size() && (uchar(utf8.at(end)) & 0xC0) == 0x80)
            --end;
        if (!out.isEmpty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + utf8.mid(start, end - start).toBase64() + "?=";
        start = end;
    }
    return out;
}

// The raw value of a field as JMAP shows it: without the line end that closes the field.
QByteArray jmapValueOf(const RawHeader &header)
{
    QByteArray value = header.value;
    if (value.endsWith('\n'))
        value.chop(1);
    if (value.endsWith('\r'))
        value.chop(1);
    return value;
}

// Which raw field each entry of the original JMAP list shows (-1: none), matched in order. A JMAP
// list need not mirror the raw fields one to one; fields it leaves out are "raw-only".
QList<qsizetype> mapToRaw(const MessageParts &parts, const QList<JmapHeader> &original)
{
    QList<qsizetype> map(original.size(), -1);
    qsizetype cursor = 0;
    for (qsizetype i = 0; i < original.size(); ++i) {
        for (qsizetype j = cursor; j < parts.headers.size(); ++j) {
            if (parts.headers[j].name == original[i].name
                && jmapValueOf(parts.headers[j]) == original[i].value) {
                map[i] = j;
                cursor = j + 1;
                break;
            }
        }
    }
    return map;
}

// The raw header fields, re-emitted for the edited JMAP list: a field equal to an original one
// (taken in order) keeps its original bytes; new or changed fields are written "Name:value".
// Raw fields the JMAP list never showed are kept where they were.
QByteArray rebuildHeaders(
    const MessageParts &parts, const QList<JmapHeader> &original, const QList<JmapHeader> &edited)
{
    const QList<qsizetype> map = mapToRaw(parts, original);
    QList<bool> rawOnly(parts.headers.size(), true);
    for (qsizetype j : map) {
        if (j >= 0)
            rawOnly[j] = false;
    }
    QList<bool> used(original.size(), false);
    QByteArray out;
    qsizetype flushed = 0; // raw-only fields before this index are written
    auto flushRawOnly = [&](qsizetype upTo) {
        for (; flushed < upTo; ++flushed) {
            if (rawOnly[flushed])
                out += parts.headers[flushed].name + ':' + parts.headers[flushed].value;
        }
    };
    qsizetype cursor = 0;
    for (const JmapHeader &header : edited) {
        qsizetype match = -1;
        for (qsizetype i = cursor; i < original.size(); ++i) {
            if (!used[i] && original[i] == header) {
                match = i;
                break;
            }
        }
        if (match >= 0 && map[match] >= 0) {
            used[match] = true;
            cursor = match + 1;
            const qsizetype raw = map[match];
            flushRawOnly(raw);
            out += parts.headers[raw].name + ':' + parts.headers[raw].value;
            continue;
        }
        QByteArray value = header.value;
        value.replace("\r\n", "\n");
        value.replace("\n", parts.lineEnding);
        out += header.name + ':' + value + parts.lineEnding;
    }
    flushRawOnly(parts.headers.size());
    return out;
}

} // namespace

QByteArray rebuildFromJmap(
    const QByteArray &raw, const Json &before, const Json &after, Problems &problems)
{
    const MessageParts parts = splitMessage(raw);
    const QList<JmapHeader> original = headersOf(before);
    QList<JmapHeader> edited = headersOf(after);
    const bool headersChanged = original != edited;

    const Json *subjectBefore = findPointer(before, u"/subject");
    const Json *subjectAfter = findPointer(after, u"/subject");
    const bool subjectChanged = (subjectBefore == nullptr) != (subjectAfter == nullptr)
        || (subjectBefore && subjectAfter && *subjectBefore != *subjectAfter);

    QList<JmapHeader> target = headersChanged ? edited : original;
    if (!headersChanged && original.isEmpty()) {
        for (const RawHeader &header : parts.headers) {
            QByteArray value = header.value;
            while (value.endsWith('\n') || value.endsWith('\r'))
                value.chop(1);
            target.append({header.name, value});
        }
    }
    const QList<JmapHeader> baseline = original.isEmpty() ? target : original;
    if (subjectChanged) {
        const QByteArray value = subjectAfter && subjectAfter->is_string()
            ? " " + encodeWord(toQString(subjectAfter->get<std::string>()))
            : QByteArray();
        qsizetype index = -1;
        for (qsizetype i = 0; i < target.size(); ++i) {
            if (target[i].name.compare("Subject", Qt::CaseInsensitive) == 0) {
                index = i;
                break;
            }
        }
        if (value.isEmpty() && index >= 0)
            target.removeAt(index);
        else if (index >= 0)
            target[index].value = value;
        else if (!value.isEmpty())
            target.append({QByteArrayLiteral("Subject"), value});
    }

    QByteArray body = parts.body;
    const Json *valuesBefore = findPointer(before, u"/bodyValues");
    const Json *valuesAfter = findPointer(after, u"/bodyValues");
    if ((valuesBefore == nullptr) != (valuesAfter == nullptr)
        || (valuesBefore && valuesAfter && *valuesBefore != *valuesAfter)) {
        const Json *structure = findPointer(after, u"/bodyStructure");
        const Json *partId = structure ? findPointer(*structure, u"/partId") : nullptr;
        const Json *subParts = structure ? findPointer(*structure, u"/subParts") : nullptr;
        if (partId && partId->is_string() && !subParts && valuesAfter) {
            const QString pointer
                = u"/"_s + escapePointerToken(toQString(partId->get<std::string>())) + u"/value"_s;
            const Json *text = findPointer(*valuesAfter, pointer);
            if (text && text->is_string())
                body = QByteArray::fromStdString(text->get<std::string>());
        } else {
            problems.append({u"/message/bodyValues"_s, Severity::Info,
                u"body edits of a multipart message are not reflected in the raw "
                "message; edit /rawMessage instead"_s});
        }
    }

    for (const char *key : {"from", "to", "cc", "bcc", "replyTo", "sender", "sentAt", "messageId",
             "inReplyTo", "references", "bodyStructure", "attachments", "textBody", "htmlBody"}) {
        const QString pointer = u"/"_s + QLatin1String(key);
        const Json *a = findPointer(before, pointer);
        const Json *b = findPointer(after, pointer);
        if ((a == nullptr) != (b == nullptr) || (a && b && *a != *b))
            problems.append({u"/message"_s + pointer, Severity::Info,
                QStringLiteral("the edit of /message/%1 is not reflected in the raw "
                               "message (Hookscope rebuilds headers, subject and "
                               "single-part bodies)")
                    .arg(QLatin1String(key))});
    }

    if (target == baseline && body == parts.body)
        return raw;
    QByteArray out = rebuildHeaders(parts, baseline, target);
    out += parts.lineEnding;
    out += body;
    return out;
}

} // namespace MtaHooks
