// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>

namespace Mock {

// A call parked for the user (a hold rule or a held stage).
struct HeldCall
{
    qint64 callId = 0;
    Exchange exchange;
    QDateTime deadline; // when the default answer goes out
    QByteArray suggestedBody; // what the rule (or default) would have answered, to prefill
    QByteArray contentType;
};

// Whole seconds until a held call's default answer goes out, rounded up (0 once it is due): the
// one reading the editor, the timeline and the status bar all show.
inline qint64 heldSecondsLeft(const QDateTime &deadline, const QDateTime &now)
{
    const qint64 ms = now.msecsTo(deadline);
    return ms <= 0 ? 0 : (ms + 999) / 1000;
}

} // namespace Mock

Q_DECLARE_METATYPE(Mock::HeldCall)
