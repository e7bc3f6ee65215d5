// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/verdictstyle.h"

#include <QGuiApplication>
#include <QHash>
#include <QPainter>
#include <QPixmap>

namespace {

// Each shade keeps 4.5:1 against the base, the alternate base, the held rows' tint and its own
// banner's tint (tests/ui/tst_ui_theme.cpp checks them on both palettes).
struct Shades
{
    QRgb light; // used on light bases: dark enough for small text on white
    QRgb dark; // used on dark bases: light enough for small text on near-black
};

Shades shadesOf(MtaHooks::Verdict verdict)
{
    using MtaHooks::Verdict;
    switch (verdict) {
    case Verdict::Accept:
        return {qRgb(0x19, 0x7b, 0x35), qRgb(0x3f, 0xb9, 0x50)};
    case Verdict::Continue:
        return {qRgb(0x0f, 0x76, 0x6e), qRgb(0x2d, 0xd4, 0xbf)};
    case Verdict::Reject:
        return {qRgb(0xcd, 0x22, 0x2e), qRgb(0xfa, 0x79, 0x73)};
    case Verdict::Tempfail:
        return {qRgb(0xb4, 0x49, 0x00), qRgb(0xf0, 0x88, 0x3e)};
    case Verdict::Discard:
        return {qRgb(0x6e, 0x54, 0x94), qRgb(0xb3, 0x9d, 0xdb)};
    case Verdict::Quarantine:
        return {qRgb(0x7d, 0x4a, 0xde), qRgb(0xb4, 0x8c, 0xf8)};
    case Verdict::Disconnect:
        return {qRgb(0xb9, 0x37, 0x85), qRgb(0xf7, 0x78, 0xba)};
    case Verdict::Cancel:
        return {qRgb(0x57, 0x60, 0x6a), qRgb(0x9d, 0xa5, 0xae)};
    case Verdict::Held:
        return {qRgb(0x09, 0x67, 0xd5), qRgb(0x58, 0xa6, 0xff)};
    case Verdict::Error:
        return {qRgb(0xa4, 0x0e, 0x26), qRgb(0xff, 0xa1, 0x98)};
    case Verdict::None:
        break;
    }
    return {qRgb(0x63, 0x6c, 0x75), qRgb(0x99, 0xa1, 0xaa)};
}

} // namespace

bool isDarkPalette(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor verdictColor(MtaHooks::Verdict verdict, const QPalette &palette)
{
    const Shades shades = shadesOf(verdict);
    return QColor::fromRgb(isDarkPalette(palette) ? shades.dark : shades.light);
}

QIcon verdictDot(MtaHooks::Verdict verdict, const QPalette &palette)
{
    if (!qobject_cast<QGuiApplication *>(QCoreApplication::instance()))
        return {};
    // One icon per colour: the view asks for it on every repaint of every visible row.
    static QHash<QRgb, QIcon> cache;
    const QColor color = verdictColor(verdict, palette);
    auto it = cache.constFind(color.rgb());
    if (it != cache.cend())
        return *it;
    const qreal ratio = qGuiApp->devicePixelRatio();
    const int size = 12;
    QPixmap pixmap(QSize(size, size) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    {
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        painter.drawEllipse(QRectF(2, 2, size - 4, size - 4));
    }
    QIcon icon(pixmap);
    cache.insert(color.rgb(), icon);
    return icon;
}

QColor verdictWash(MtaHooks::Verdict verdict, const QPalette &palette)
{
    // Visible on both palettes without fighting the selection colour.
    const QColor base = palette.color(QPalette::Base);
    const QColor hue = verdictColor(verdict, palette);
    const qreal alpha = isDarkPalette(palette) ? 0.18 : 0.10;
    return QColor::fromRgbF(base.redF() * (1 - alpha) + hue.redF() * alpha,
        base.greenF() * (1 - alpha) + hue.greenF() * alpha,
        base.blueF() * (1 - alpha) + hue.blueF() * alpha);
}

QColor heldBackground(const QPalette &palette)
{
    return verdictWash(MtaHooks::Verdict::Held, palette);
}

QColor bannerBackground(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0x1d, 0x3a, 0x5c) : QColor(0xdc, 0xeb, 0xfb);
}

DiffTints diffTints(const QPalette &palette)
{
    if (isDarkPalette(palette))
        return {QColor(0x23, 0x4d, 0x2c), QColor(0x5c, 0x24, 0x2a)};
    return {QColor(0xd8, 0xf5, 0xdc), QColor(0xfb, 0xdd, 0xdd)};
}

QColor changedBackground(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0x5a, 0x4a, 0x00) : QColor(0xff, 0xef, 0x99);
}

QPalette currentPalette()
{
    if (qobject_cast<QGuiApplication *>(QCoreApplication::instance()))
        return QGuiApplication::palette();
    // Only the base colour is consulted: a white one picks the variants for light themes.
    QPalette palette;
    palette.setColor(QPalette::Base, Qt::white);
    return palette;
}

QStyle::StandardPixmap severityPixmap(MtaHooks::Severity severity)
{
    switch (severity) {
    case MtaHooks::Severity::Info:
        return QStyle::SP_MessageBoxInformation;
    case MtaHooks::Severity::Warning:
        return QStyle::SP_MessageBoxWarning;
    case MtaHooks::Severity::Error:
        return QStyle::SP_MessageBoxCritical;
    }
    return QStyle::SP_MessageBoxCritical;
}
