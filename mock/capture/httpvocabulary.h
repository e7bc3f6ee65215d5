// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The few HTTP words every layer above the protocol speaks: header lists as they were on the wire,
// looking a header up, and status reason phrases. One place, so that the endpoint, the HAR export
// and the window say the same.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace Mock {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>; // wire order, original case

// The value of the first header of that name, compared case-insensitively; empty when none.
QByteArray headerValue(const HttpHeaders &headers, QByteArrayView name);

// RFC 9110's reason phrase for the status codes Hookscope sends or meets; empty for others (an
// empty reason phrase is valid on the wire, RFC 9112 §4).
QByteArray reasonPhrase(int status);

} // namespace Mock
