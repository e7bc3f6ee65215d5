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
// The row background of calls parked for the user.
QColor heldBackground(const QPalette &palette);
// The standard icon of a finding's severity (problem lists, editor annotations).
QStyle::StandardPixmap severityPixmap(MtaHooks::Severity severity);
// The application palette, or a default one when no GUI application exists (command-line use).
QPalette currentPalette();
