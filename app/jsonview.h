// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"
#include "mock/protocol/hookrequest.h"
#include "mock/protocol/types.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>

// JSON renderings of engine values for the command line's --json output.
namespace JsonView {

QJsonValue stringOrNull(const QString &text);
QJsonArray problems(const MtaHooks::Problems &problems);
QJsonObject part(const MtaHooks::Mime::MimePart &part);
QJsonObject message(const MtaHooks::Mime::MimeMessage &message);
QJsonObject envelope(const MtaHooks::Envelope &envelope);
QJsonValue reply(const MtaHooks::SmtpReply &reply);

} // namespace JsonView
