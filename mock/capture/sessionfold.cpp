// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/sessionfold.h"

#include "mock/capture/capturerows_p.h"

namespace Mock {

SessionSummary sessionOfCall(const Exchange &call)
{
    SessionSummary session;
    session.sessionKey = call.sessionKey;
    session.first = call.received;
    session.last = call.received;
    session.exchangeCount = 1;
    session.clientIp = call.clientIp;
    session.mailFrom = call.mailFrom;
    session.worstVerdict = Detail::verdictText(Detail::effectiveVerdict(call));
    session.problemCount = int(call.problems.size());
    return session;
}

void addCallToSession(SessionSummary &session, const Exchange &call)
{
    ++session.exchangeCount;
    if (call.received.isValid()) {
        if (!session.first.isValid() || call.received < session.first)
            session.first = call.received;
        if (!session.last.isValid() || call.received > session.last)
            session.last = call.received;
    }
    if (session.clientIp.isEmpty())
        session.clientIp = call.clientIp;
    if (session.mailFrom.isEmpty())
        session.mailFrom = call.mailFrom;
    const MtaHooks::Verdict verdict = Detail::effectiveVerdict(call);
    const MtaHooks::Verdict worst
        = MtaHooks::verdictFromName(session.worstVerdict).value_or(MtaHooks::Verdict::None);
    if (MtaHooks::verdictSeverity(verdict) > MtaHooks::verdictSeverity(worst))
        session.worstVerdict = Detail::verdictText(verdict);
    session.problemCount += int(call.problems.size());
}

} // namespace Mock
