// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/replayplan.h"

#include <algorithm>

using namespace MtaHooks;

namespace Mock {

Dialect replayDialect(const SessionRecording &session, const ReplayTarget &target)
{
    if (target.dialect != ReplayTarget::AsRecorded)
        return target.dialect;
    return session.dialect == Dialect::Unknown ? Dialect::Stalwart : session.dialect;
}

QList<ReplayPass> planReplay(const QList<SessionRecording> &sessions, const ReplayTarget &target)
{
    QList<ReplayPass> passes;
    for (int i = 0; i < sessions.size(); ++i) {
        const Dialect dialect = replayDialect(sessions.at(i), target);
        auto pass = std::find_if(passes.begin(), passes.end(),
            [dialect](const ReplayPass &entry) { return entry.dialect == dialect; });
        if (pass == passes.end()) {
            ReplayPass added;
            added.dialect = dialect;
            added.encoding = dialect == Dialect::Stalwart ? Encoding::Json : target.encoding;
            passes.append(added);
            pass = passes.end() - 1;
        }
        pass->sessions.append(i);
    }
    return passes;
}

} // namespace Mock
