// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"

// The table's parts, in the order allChecks() runs them.
namespace Conform {

QList<Check> controlChecks(); // discovery, registration, status
QList<Check> hookChecks(); // hook calls while registered
QList<Check> endChecks(); // CBOR, deregistration and after
QList<Check> stalwartChecks(); // Stalwart's legacy format

} // namespace Conform
