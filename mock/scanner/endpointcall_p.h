// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One call on its way through HookEndpoint, from the request read off the socket to the answer
// written back: what the endpoint's parts (WaitingCalls, CommitQueue, ResponseOrder) and its
// steps share about it.

#include "mock/capture/exchange.h"
#include "mock/protocol/hookrequest.h"
#include "mock/scanner/requestidledger_p.h"

#include <QByteArray>
#include <QDateTime>
#include <QElapsedTimer>
#include <QPointer>
#include <QString>
#include <QTcpSocket>

namespace Mock {

struct EndpointCall
{
    qint64 id = 0;
    Exchange exchange;
    MtaHooks::HookRequest request;
    QPointer<QTcpSocket> socket;
    quint64 ticket = 0; // position of the request on its connection (ResponseOrder)
    QElapsedTimer clock;
    QString registrationId;
    // The draft request id, a digest of the body it came with and what the ledger knew of it.
    QByteArray requestId;
    QByteArray bodyDigest;
    RequestIdLedger::Sighting sighting;
    // Held for the user (WaitingCalls::hold): what the rule or default would have answered, to
    // prefill, and when the default answer goes out.
    bool held = false;
    QByteArray suggestedBody;
    QByteArray suggestedContentType;
    QDateTime deadline;
    // Filled by finish(): what goes out once the exchange is on disk.
    QByteArray wire;
    bool reset = false; // a connection reset instead of an answer
    bool closeAfter = false;
    bool wasHeld = false;
    bool refused = false; // the endpoint refused the call itself: no MTA reading of the answer
};

} // namespace Mock
