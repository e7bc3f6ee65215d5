// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

#include <optional>

// View ▸ Theme. System follows the desktop: the platform's style and palette, and a palette the
// desktop changes later. Light and Dark are Fusion with palettes of our own, whatever the desktop
// says (Qt 6.4 has no way to ask the platform for one scheme or the other).
enum class Theme { System, Light, Dark };

QString themeName(Theme theme); // "system", "light", "dark"
std::optional<Theme> themeFromName(const QString &name);

QPalette lightPalette();
QPalette darkPalette();

// Applies the theme to the whole application. Needs a QApplication.
void applyTheme(Theme theme);

// WCAG 2 contrast ratio of two opaque colours, from 1 (none) to 21 (black on white). Text needs
// at least 4.5.
double contrastRatio(const QColor &a, const QColor &b);
