// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace Mock {

// The exchanges (whole, with bodies) as an HTTP Archive (HAR 1.2) for browser tools and HAR
// viewers: one entry per call, in the given order. Bodies that are not exactly UTF-8 text (CBOR,
// binary) are base64 with "encoding": "base64" (HAR defines that member for response content
// only; the request's postData carries it the same way, which viewers ignore or honour). What
// Hookscope knows beyond HTTP is in a custom "_hookscope" object per entry.
QByteArray harFromExchanges(const QList<Exchange> &exchanges);

// The HTTP calls of a HAR 1.2 file (ours or another tool's) as exchanges: requests and answers
// with their bytes (postData "encoding": "base64" honoured), the facts decoded from each hook
// request, and sessions regrouped from those facts. nullopt (and *error) when the file is not HAR.
std::optional<QList<Exchange>> exchangesFromHar(const QByteArray &har, QString *error = nullptr);

} // namespace Mock
