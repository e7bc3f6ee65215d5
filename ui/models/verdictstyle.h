// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QStyle>

// How verdicts look wherever they are shown (timeline, detail view): one hue per verdict, in a
// darker variant on light palettes and a lighter one on dark palettes, so that the text keeps its
// contrast against the base colour either way.
bool isDarkPalette(const QPalette &palette);
QColor verdictColor(MtaHooks::Verdict verdict, const QPalette &palette);
// A filled dot in the verdict's colour (cached; empty icon without a QGuiApplication).
QIcon verdictDot(MtaHooks::Verdict verdict, const QPalette &palette);
// A wash of the verdict's hue over the base: the background of a verdict's banner, under text
// in the verdict's colour and in the palette's.
QColor verdictWash(MtaHooks::Verdict verdict, const QPalette &palette);
// The row background of calls parked for the user (the held verdict's wash).
QColor heldBackground(const QPalette &palette);
// The background of a notice on the window's colour (the banner above the timeline).
QColor bannerBackground(const QPalette &palette);
// Whole-line tints of a diff, under the palette's text colour: added and removed lines.
struct DiffTints
{
    QColor added;
    QColor removed;
};
DiffTints diffTints(const QPalette &palette);
// A row that differs between two runs, under the palette's text colour.
QColor changedBackground(const QPalette &palette);
// The standard icon of a finding's severity (problem lists, editor annotations).
QStyle::StandardPixmap severityPixmap(MtaHooks::Severity severity);
// The application palette, or a default one when no GUI application exists (command-line use).
QPalette currentPalette();
