// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the endpoint works out about a call, without any HTTP: the facts of a decoded request, the
// draft transport rules, authentication, and what an MTA makes of the answer sent.

#include "mock/capture/exchange.h"
#include "mock/protocol/hookrequest.h"
#include "mock/scanner/hookendpoint.h"

#include <optional>

namespace Mock {

// Copies the request's facts into the exchange's summary fields (addresses, subject …).
void describeRequest(Exchange &exchange, const MtaHooks::HookRequest &request);

// The drafts' transport rules (protocol reference §d.2): the X-MTA-Hooks-* headers and the
// Content-Type. Retries and reused ids are the endpoint's RequestIdLedger's.
MtaHooks::Problems checkDraftTransport(const Exchange &exchange);

// The request id pattern of §d.2: 1-128 characters of A-Z a-z 0-9 - . _ ~
bool isValidRequestId(QByteArrayView id);

struct AuthFailure
{
    QByteArray body;
    HttpHeaders headers; // WWW-Authenticate
    QString problem;
};
// Checks the Authorization header against the settings; nullopt when the call may proceed.
std::optional<AuthFailure> checkAuthorization(
    const EndpointSettings &settings, const HttpHeaders &headers);

// Who is calling, as far as registrations are concerned: a SHA-256 digest of the Authorization
// value when the endpoint checks credentials, empty when it does not (anyone may then act on
// any registration). A digest, so the control plane never holds the secret itself.
QByteArray callerIdentity(const EndpointSettings &settings, const HttpHeaders &headers);

// Equality whose time depends on the lengths only, never on where the bytes first differ, so
// a client cannot find a secret byte by byte. The secret's length may leak through timing;
// tokens are long and random, so that tells nothing useful.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

// Reads the answer as the request's MTA would and records the action, verdict, reply code and the
// answer's own problems in the exchange.
void judgeAnswer(Exchange &exchange, const MtaHooks::HookRequest &request);

} // namespace Mock
