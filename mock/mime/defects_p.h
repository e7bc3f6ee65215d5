// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/gmimesupport_p.h" // first: GMime before Qt

#include "mock/mime/mimepart.h"

#include <QList>
#include <QString>

namespace MtaHooks::Mime {

// Defects: GMime's parser warnings, collected while it parses, then named; makeDefect() for
// those and for our own checks.

// ---------------------------------------------------------------------------------------------
// Parser warnings

struct ParserWarning
{
    qint64 offset = -1;
    GMimeParserWarning code = GMIME_WARN_MALFORMED_MESSAGE;
    QString item;
};

// GMime's warning callback; userData is the QList<ParserWarning> to append to.
void collectWarning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer userData);

// A warning's code (see Defect) and its English description.
struct WarningText
{
    const char *code;
    const char *text;
};

WarningText warningText(GMimeParserWarning warning);

Defect makeDefect(qint64 offset, const char *code, const QString &message);

} // namespace MtaHooks::Mime
