// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/scriptcall_p.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace Mock::Detail {

namespace {

// What a script may read of one body part: enough to score it, not a copy of a 50 MB message.
constexpr qsizetype MaxTextChars = 1024 * 1024;

} // namespace

ScriptCallData::ScriptCallData(const MtaHooks::HookRequest &request)
    : m_request(request)
{ }

QVariant ScriptCallData::request()
{
    return QJsonDocument::fromJson(m_request.document.toJson()).toVariant();
}

const MtaHooks::Mime::MimeMessage &ScriptCallData::message()
{
    if (!m_message)
        m_message = MtaHooks::Mime::MimeDecoder::decode(m_request.rawMessage);
    return *m_message;
}

QVariantMap ScriptCallData::messageFacts()
{
    using MtaHooks::Mime::MimeDecoder;
    const auto &decoded = message();
    QVariantMap facts {{u"subject"_s, decoded.subject}, {u"from"_s, decoded.from.value(0)},
        {u"to"_s, decoded.to}, {u"size"_s, double(m_request.rawMessage.size())}};
    QVariant text;
    QVariant html;
    QVariantList attachments;
    for (const auto &part : decoded.allParts()) {
        if (text.isNull() && part.isInTextBody() && part.contentType() == u"text/plain"_s)
            text = MimeDecoder::text(decoded, part).left(MaxTextChars);
        if (html.isNull() && part.isInHtmlBody() && part.contentType() == u"text/html"_s)
            html = MimeDecoder::text(decoded, part).left(MaxTextChars);
        if (part.isAttachment())
            attachments.append(QVariantMap {{u"filename"_s, part.filename()},
                {u"contentType"_s, part.contentType()}, {u"size"_s, double(part.size())},
                {u"sha256"_s, QString::fromLatin1(part.sha256())}});
    }
    facts.insert(u"text"_s, text);
    facts.insert(u"html"_s, html);
    facts.insert(u"attachments"_s, attachments);
    return facts;
}

QVariant ScriptCallData::header(const QString &name)
{
    const QStringList values = headers(name);
    return values.isEmpty() ? QVariant::fromValue(nullptr) : QVariant(values.first());
}

QStringList ScriptCallData::headers(const QString &name)
{
    QStringList values;
    for (const auto &field : message().root.headers()) {
        if (QString::fromLatin1(field.name).compare(name, Qt::CaseInsensitive) == 0)
            values << field.value;
    }
    return values;
}

} // namespace Mock::Detail
