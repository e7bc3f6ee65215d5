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

} // namespace Mock

Q_DECLARE_METATYPE(Mock::HeldCall)
