// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/conform/conformcheck.h"

#include <QDateTime>

namespace Conform::Detail {

// One call `conform --scanner` made, as the runner saw it go and come back.
struct SentCall
{
    QString checkId;
    Mock::HttpCall call;
    QByteArray authorization; // what the call presented ("" when none)
    Mock::HttpResult result;
    QDateTime sent; // UTC, when the call went out
};

// The call as a capture store holds calls, so that the timeline shows what Hookscope sent to the
// scanner beside what MTAs sent to Hookscope: the peer is the scanner, the kind comes from the URL
// and the facts learnt so far, and a hook call is decoded and its answer judged as the MTA would
// (dialect, stage, envelope, verdict). Credentials are masked: a capture may be shared. The note
// names the check ("conform: hook.stage.data").
Mock::Exchange sentExchange(const SentCall &sent, const Target &target, const ScannerFacts &facts);

} // namespace Conform::Detail
