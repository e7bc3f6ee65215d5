// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/document.h"
#include "mock/protocol/types.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace MtaHooks {

using Parameters = QList<std::pair<QString, QString>>;

struct EnvelopeAddress
{
    QString address; // "" for a null reverse-path
    bool isNullSender = false; // draft: "address": null
    Parameters parameters; // ESMTP parameters in wire order
    // Outbound (DeliveryRecipient) fields; empty inbound.
    QString status;
    int attempt = 0;

    friend bool operator==(const EnvelopeAddress &, const EnvelopeAddress &) = default;
};

struct Envelope
{
    bool present = false;
    EnvelopeAddress from;
    QList<EnvelopeAddress> to;

    QStringList recipients() const;
    friend bool operator==(const Envelope &, const Envelope &) = default;
};

struct ClientInfo
{
    QString ip;
    int port = 0;
    QString ptr;
    QString ehlo; // Stalwart's key is "helo", the drafts' "ehlo"
    QString country;
    qint64 asn = 0;
};

struct TlsInfo
{
    bool present = false;
    QString version;
    QString cipher;
    int cipherBits = 0;
    QString certIssuer;
    QString certSubject;
};

struct AuthInfo
{
    bool present = false;
    QString login;
    QString method;
};

struct ServerInfo
{
    QString name;
    QString ip;
    int port = 0;
};

// An SMTP reply: what the MTA sends (or, in a draft request, would send).
struct SmtpReply
{
    int code = 0;
    QString enhancedCode;
    QString message;

    bool isEmpty() const { return code == 0; }
    QString toString() const; // "550 5.7.1 Rejected"
    friend bool operator==(const SmtpReply &, const SmtpReply &) = default;
};

// A hook request as Hookscope understands it, whatever its dialect: the document as received, the
// facts extracted from it, and what is wrong with it.
struct HookRequest
{
    Dialect dialect = Dialect::Unknown;
    Encoding encoding = Encoding::Unknown;
    Stage stage = Stage::Unknown;
    QString stageName; // wire text, kept for unknown stages
    Document document = Document::invalid();

    Envelope envelope;
    ClientInfo client;
    TlsInfo tls;
    AuthInfo auth;
    ServerInfo server;
    QString queueId;
    QString timestamp;
    Action action = Action::None; // drafts: what the MTA does unless a scanner changes it
    SmtpReply reply; // drafts: the reply the MTA would send

    // The message as raw RFC 5322 bytes: Stalwart's headers + contents rebuilt, or the drafts'
    // rawMessage decoded. hasMessage is false when the stage carries none.
    bool hasMessage = false;
    QByteArray rawMessage;
    qint64 declaredSize = -1; // Stalwart message.size / JMAP size, -1 when absent

    Problems problems;

    bool isDecoded() const { return document.isValid() && dialect != Dialect::Unknown; }
    Direction direction() const { return stageDirection(stage); }
};

} // namespace MtaHooks

Q_DECLARE_METATYPE(MtaHooks::SmtpReply)
Q_DECLARE_METATYPE(MtaHooks::HookRequest)
