// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/apply.h"
#include "mock/protocol/hookrequest.h"
#include "mock/protocol/hookresponse.h"

#include <QByteArray>
#include <QString>

namespace MtaHooks {

// A hook call's answer as it reached the MTA, or why none did.
struct HttpAnswer
{
    int status = 0; // 0: no HTTP answer at all (refused, reset, timed out)
    QByteArray contentType;
    QByteArray body;
    QString transportError; // why there is no answer, when status is 0
};

// What one MTA makes of one answer. The one place that reads an answer the way the request's MTA
// does and applies it: the endpoint (what the MTA will do with what Hookscope sent), the mock MTA
// (what it does with the scanner's answer), the window's detail tabs and `hookscope apply` all
// call it, so they cannot disagree.
struct Judgement
{
    HookResponse answer; // the body read as the request's MTA reads it
    Outcome outcome; // what that MTA goes on with
    // The answer's own problems and the outcome's, with origin Answer, and a failed call's with
    // origin Transport. The request's problems are not repeated here.
    Problems problems;
    bool callFailed = false; // no HTTP answer or a non-2xx one: the dialect's error rule applied
};

// A draft MTA selects the patch syntax by the answer's shape (an object is draft-01, an array
// draft-02: protocol reference §a.5), whatever the request's draft; a Stalwart MTA reads every
// answer as its own. A non-2xx status is a failed call: its body is an error report, never a
// patch, so it is not applied.
Judgement judgeAnswer(
    const HookRequest &request, const HttpAnswer &answer, const ApplyOptions &options = {});

} // namespace MtaHooks
