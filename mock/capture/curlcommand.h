// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QString>

namespace Mock {

// "curl -X POST http://…/path -H … --data-binary …" that sends a captured request again (the body
// through base64 on stdin when it is binary or too long for a shell argument). baseUrl is the
// endpoint's URL ("http://127.0.0.1:8025"); empty: the request's Host header, else 127.0.0.1.
QString curlCommand(const Exchange &exchange, const QString &baseUrl);

} // namespace Mock
