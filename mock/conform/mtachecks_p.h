// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/mtaobserver.h"

namespace Conform::Detail {

// Whether the MTA acted on the answer probes (mtachecks_answers.cpp); the tail of mtaChecks().
QList<MtaCheck> answerChecks();

} // namespace Conform::Detail
