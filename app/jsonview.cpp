// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/jsonview.h"

#include <QJsonArray>

namespace JsonView {

QJsonValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonArray problems(const MtaHooks::Problems &problems)
{
    QJsonArray array;
    for (const MtaHooks::Problem &problem : problems) {
        QJsonObject object {{QStringLiteral("pointer"), problem.pointer},
            {QStringLiteral("severity"), severityName(problem.severity)},
            {QStringLiteral("message"), problem.message}};
        if (problem.origin != MtaHooks::ProblemOrigin::Unstated)
            object.insert(QStringLiteral("origin"), originName(problem.origin));
        array.append(object);
    }
    return array;
}

QJsonObject part(const MtaHooks::Mime::MimePart &part)
{
    QJsonArray defects;
    for (const MtaHooks::Mime::Defect &defect : part.defects()) {
        defects.append(QJsonObject {{QStringLiteral("offset"), double(defect.offset)},
            {QStringLiteral("code"), defect.code}, {QStringLiteral("message"), defect.message}});
    }
    QJsonArray children;
    for (const MtaHooks::Mime::MimePart &child : part.children())
        children.append(JsonView::part(child));
    QJsonObject object {
        {QStringLiteral("contentType"), part.contentType()},
        {QStringLiteral("charset"), stringOrNull(part.charset())},
        {QStringLiteral("filename"), stringOrNull(part.filename())},
        {QStringLiteral("disposition"), stringOrNull(part.disposition())},
        {QStringLiteral("contentId"), stringOrNull(part.contentId())},
        {QStringLiteral("encoding"), stringOrNull(part.transferEncoding())},
        {QStringLiteral("size"), double(part.size())},
        {QStringLiteral("sha256"), QString::fromLatin1(part.sha256())},
        {QStringLiteral("defects"), defects},
        {QStringLiteral("children"), children},
    };
    // Only the types whose body is made of header fields (delivery reports, external bodies).
    const QList<QList<MtaHooks::Mime::Header>> blocks = part.fieldBlocks();
    if (!blocks.isEmpty()) {
        QJsonArray blocksJson;
        for (const QList<MtaHooks::Mime::Header> &block : blocks) {
            QJsonArray fields;
            for (const MtaHooks::Mime::Header &field : block) {
                fields.append(QJsonObject {{QStringLiteral("name"), QString::fromUtf8(field.name)},
                    {QStringLiteral("value"), field.value}});
            }
            blocksJson.append(fields);
        }
        object.insert(QStringLiteral("fieldBlocks"), blocksJson);
    }
    return object;
}

QJsonObject message(const MtaHooks::Mime::MimeMessage &message)
{
    return QJsonObject {
        // null without a Subject header, "" for an empty one.
        {QStringLiteral("subject"),
            message.hasSubject ? QJsonValue(message.subject) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("from"), QJsonArray::fromStringList(message.from)},
        {QStringLiteral("to"), QJsonArray::fromStringList(message.to)},
        {QStringLiteral("root"), part(message.root)},
    };
}

QJsonObject envelope(const MtaHooks::Envelope &envelope)
{
    QJsonValue from = QJsonValue::Null;
    if (envelope.present)
        from = envelope.from.isNullSender ? QJsonValue(QString())
                                          : QJsonValue(envelope.from.address);
    return QJsonObject {{QStringLiteral("from"), from},
        {QStringLiteral("to"), QJsonArray::fromStringList(envelope.recipients())}};
}

QJsonValue reply(const MtaHooks::SmtpReply &reply)
{
    if (reply.isEmpty())
        return QJsonValue::Null;
    return QJsonObject {{QStringLiteral("code"), reply.code},
        {QStringLiteral("enhancedCode"), stringOrNull(reply.enhancedCode)},
        {QStringLiteral("message"), reply.message}};
}

} // namespace JsonView
