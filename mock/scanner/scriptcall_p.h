// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What a script's `call` reads lazily: the request document and the message, decoded only when
// the script asks (a rcpt-stage script never pays for MIME, a data-stage one only once).

#include "mock/mime/mimedecoder.h"
#include "mock/protocol/hookrequest.h"

#include <QObject>
#include <QVariant>

#include <optional>

namespace Mock::Detail {

class ScriptCallData final : public QObject
{
    Q_OBJECT

public:
    explicit ScriptCallData(const MtaHooks::HookRequest &request);

    // The request document as it came (JSON or CBOR alike).
    Q_INVOKABLE QVariant request();
    // {subject, from, to, size, text, html, attachments}
    Q_INVOKABLE QVariantMap messageFacts();
    // The first field of that name, unfolded and RFC 2047 decoded; null when absent.
    Q_INVOKABLE QVariant header(const QString &name);
    Q_INVOKABLE QStringList headers(const QString &name);

private:
    const MtaHooks::Mime::MimeMessage &message();

    const MtaHooks::HookRequest &m_request;
    std::optional<MtaHooks::Mime::MimeMessage> m_message;
};

} // namespace Mock::Detail
