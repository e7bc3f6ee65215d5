// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/replayresult.h"

#include <QList>

namespace Mock {

// One dialect's share of a replay: its sessions are replayed together, with the drafts' discovery,
// registration and deregistration around them, before the next pass starts.
struct ReplayPass
{
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Stalwart;
    MtaHooks::Encoding encoding = MtaHooks::Encoding::Json;
    QList<int> sessions; // indices into the sessions replayed, in their order
};

// The dialect a session is replayed in: the target's, or with ReplayTarget::AsRecorded the one it
// was recorded in (Stalwart's when the recording names none).
MtaHooks::Dialect replayDialect(const SessionRecording &session, const ReplayTarget &target);

// How SessionReplayer::start runs sessions: one pass per dialect, in the order the dialects first
// appear; a pass in Stalwart's format is JSON (its only format), a draft pass takes the target's
// encoding. Empty for no sessions.
QList<ReplayPass> planReplay(const QList<SessionRecording> &sessions, const ReplayTarget &target);

} // namespace Mock
