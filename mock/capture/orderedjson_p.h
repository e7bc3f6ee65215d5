// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QCborValue>

namespace Mock::Detail {

// JSON text of a QCborMap/QCborArray tree with members in insertion order. The session file and
// HAR writers build their documents this way because QJsonObject sorts its keys, and a format
// meant to be read by people should open with "format" and "version", not "created". Only the
// JSON subset is supported: maps with string keys, arrays, strings, integers, doubles, booleans
// and null (anything else is written as null).
//
// indent > 0 pretty-prints; arrays holding only scalars stay on one line (header pairs).
QByteArray orderedJson(const QCborValue &value, int indent = 2);

} // namespace Mock::Detail
