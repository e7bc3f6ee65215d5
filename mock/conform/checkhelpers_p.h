// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"
#include "mock/protocol/types.h"

#include <QJsonObject>

// What the checks share: the requests a clean MTA sends, and how an answer is read.
namespace Conform::Detail {

// The stages a clean inbound session goes through, in order.
QStringList inboundStageNames();

// The hook request an MTA sends at `stage` for a clean message (alice → bob, plain text), built
// by the mock MTA's request builder. Empty for a stage the builder has no session stage for.
QByteArray cleanRequest(MtaHooks::Dialect dialect, MtaHooks::Stage stage,
    MtaHooks::Encoding encoding = MtaHooks::Encoding::Json);
// A data request whose message alone is `messageBytes` long (JSON, rawMessage only).
QByteArray dataRequestOfSize(MtaHooks::Dialect dialect, qint64 messageBytes);

QByteArray newRequestId();

// A draft hook call to the registration the facts hold, with both X-MTA-Hooks headers (the
// request id left out when `requestId` is empty).
Mock::HttpCall hookCall(const ScannerFacts &facts, const QByteArray &body,
    const QByteArray &requestId = newRequestId(),
    MtaHooks::Encoding encoding = MtaHooks::Encoding::Json);

// A draft-01 registration request subscribing to these inbound stages.
QByteArray registrationRequest(const QStringList &stages, const QString &serialization);

// The answer's body as a JSON object; *error says why it is not one.
QJsonObject jsonObjectOf(const Mock::HttpResult &result, QString *error);

// What is wrong with a scanner's answer to `request`, as the request's MTA reads it (the
// protocol engine's judge); empty when nothing. `paths` receives the paths its operations touch.
QStringList answerFaults(const QByteArray &request, MtaHooks::Encoding encoding,
    const Mock::HttpResult &result, QStringList *paths = nullptr);

// The registration, or a skip saying which check should have made it.
bool needRegistration(CheckRun &run);
bool needCredentials(CheckRun &run);

// "401", or "401 or 403" style: the answer's status is one of these.
bool statusIn(int status, std::initializer_list<int> expected);
QString statusText(const Mock::HttpResult &result); // "HTTP 200" or "no answer (…)"

// A JSON value's problem for a field of the type the reference gives it; empty when it fits.
QString stringField(const QJsonObject &object, const QString &name, bool nullable = false);

} // namespace Conform::Detail
