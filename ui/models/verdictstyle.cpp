// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/verdictstyle.h"

#include <QGuiApplication>
#include <QHash>
#include <QPainter>
#include <QPixmap>

namespace {

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
        return {qRgb(0x1a, 0x7f, 0x37), qRgb(0x3f, 0xb9, 0x50)};
    case Verdict::Continue:
        return {qRgb(0x0f, 0x76, 0x6e), qRgb(0x2d, 0xd4, 0xbf)};
    case Verdict::Reject:
        return {qRgb(0xcf, 0x22, 0x2e), qRgb(0xf8, 0x51, 0x49)};
    case Verdict::Tempfail:
        return {qRgb(0xbc, 0x4c, 0x00), qRgb(0xf0, 0x88, 0x3e)};
    case Verdict::Discard:
        return {qRgb(0x6e, 0x54, 0x94), qRgb(0xb3, 0x9d, 0xdb)};
    case Verdict::Quarantine:
        return {qRgb(0x82, 0x50, 0xdf), qRgb(0xa3, 0x71, 0xf7)};
    case Verdict::Disconnect:
        return {qRgb(0xbf, 0x39, 0x89), qRgb(0xf7, 0x78, 0xba)};
    case Verdict::Cancel:
        return {qRgb(0x57, 0x60, 0x6a), qRgb(0x9d, 0xa5, 0xae)};
    case Verdict::Held:
        return {qRgb(0x09, 0x69, 0xda), qRgb(0x58, 0xa6, 0xff)};
    case Verdict::Error:
        return {qRgb(0xa4, 0x0e, 0x26), qRgb(0xff, 0x7b, 0x72)};
    case Verdict::None:
        break;
    }
    return {qRgb(0x6e, 0x77, 0x81), qRgb(0x8b, 0x94, 0x9e)};
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
    const QIcon icon(pixmap);
    cache.insert(color.rgb(), icon);
    return icon;
}

QColor heldBackground(const QPalette &palette)
{
    // A wash of the held hue over the base: visible on both palettes without fighting the
    // selection colour.
    const QColor base = palette.color(QPalette::Base);
    const QColor hue = verdictColor(MtaHooks::Verdict::Held, palette);
    const qreal alpha = isDarkPalette(palette) ? 0.28 : 0.14;
    return QColor::fromRgbF(base.redF() * (1 - alpha) + hue.redF() * alpha,
        base.greenF() * (1 - alpha) + hue.greenF() * alpha,
        base.blueF() * (1 - alpha) + hue.blueF() * alpha);
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
