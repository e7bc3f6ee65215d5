// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"
#include "ui/models/headersmodel.h"

#include <QString>

// What the MIME view shows for one selected part, worked out without widgets: the title line,
// the defect banner, the header rows, the text and HTML a mail client would show for it, its raw
// source and a hex dump (all capped, with a note saying so).
struct MimePartContent
{
    QString title; // "Part 6 · application/pdf · 28 bytes · base64 · “q3.pdf”"
    QString defects; // the part's banner ("" when clean)
    QList<HeadersModel::Row> headers;
    bool canSave = false; // a leaf or an attached message
    bool canOpen = false; // a leaf
    bool hasText = false;
    QString text;
    QString textNote;
    bool hasHtml = false;
    QString html;
    QString raw;
    QString rawNote;
    QString hex;
    QString hexNote;
};

MimePartContent mimePartContent(
    const MtaHooks::Mime::MimeMessage &message, const MtaHooks::Mime::MimePart &part);

// "• CODE at byte N: message" lines (the first few, then "… and N more").
QString mimeDefectLines(const QList<MtaHooks::Mime::Defect> &defects);
