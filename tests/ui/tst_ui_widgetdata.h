// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Exchanges for the widget tests and the screenshot tool, built the way the endpoint builds them
// (decodeRequest, describeRequest, judgeAnswer) from the fixtures in tests/data/ui.

#include "mock/capture/exchange.h"
#include "mock/mime/mimepart.h"

namespace WidgetData {

// Stalwart data stage, JSON, accepted with an added header; the message has HTML, a cid: logo
// and a PDF; three request problems with pointers.
Mock::Exchange stalwartData();
// Stalwart rcpt stage (no message), rejected with 550 5.1.1.
Mock::Exchange stalwartRcpt();
// Draft-01 data stage sent as CBOR, answered in CBOR with a reject.
Mock::Exchange draft01Cbor();
// A held call (no answer yet), and a discovery GET.
Mock::Exchange heldCall();
Mock::Exchange discovery();

MtaHooks::Mime::MimeMessage message(const QString &fixture);

} // namespace WidgetData
