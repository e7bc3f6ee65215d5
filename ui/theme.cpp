// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/theme.h"

#include "ui/logging.h"

#include <QApplication>
#include <QPainter>
#include <QProxyStyle>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleOption>

#include <cmath>

using namespace Qt::StringLiterals;

namespace {

struct Roles
{
    QRgb window, windowText, base, alternateBase, text, button, buttonText, highlight,
        highlightedText, link, linkVisited, placeholder, toolTipBase, toolTipText, light, midlight,
        mid, dark, shadow, disabledText;
};

QPalette paletteOf(const Roles &r)
{
    QPalette p;
    p.setColor(QPalette::Window, QColor::fromRgb(r.window));
    p.setColor(QPalette::WindowText, QColor::fromRgb(r.windowText));
    p.setColor(QPalette::Base, QColor::fromRgb(r.base));
    p.setColor(QPalette::AlternateBase, QColor::fromRgb(r.alternateBase));
    p.setColor(QPalette::Text, QColor::fromRgb(r.text));
    p.setColor(QPalette::Button, QColor::fromRgb(r.button));
    p.setColor(QPalette::ButtonText, QColor::fromRgb(r.buttonText));
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor::fromRgb(r.highlight));
    p.setColor(QPalette::HighlightedText, QColor::fromRgb(r.highlightedText));
    p.setColor(QPalette::Link, QColor::fromRgb(r.link));
    p.setColor(QPalette::LinkVisited, QColor::fromRgb(r.linkVisited));
    p.setColor(QPalette::PlaceholderText, QColor::fromRgb(r.placeholder));
    p.setColor(QPalette::ToolTipBase, QColor::fromRgb(r.toolTipBase));
    p.setColor(QPalette::ToolTipText, QColor::fromRgb(r.toolTipText));
    p.setColor(QPalette::Light, QColor::fromRgb(r.light));
    p.setColor(QPalette::Midlight, QColor::fromRgb(r.midlight));
    p.setColor(QPalette::Mid, QColor::fromRgb(r.mid));
    p.setColor(QPalette::Dark, QColor::fromRgb(r.dark));
    p.setColor(QPalette::Shadow, QColor::fromRgb(r.shadow));
    for (const QPalette::ColorRole role :
        {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, QColor::fromRgb(r.disabledText));
    }
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor::fromRgb(r.mid));
    return p;
}

double luminance(const QColor &color)
{
    const auto channel
        = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    const QColor rgb = color.toRgb();
    return 0.2126 * channel(rgb.redF()) + 0.7152 * channel(rgb.greenF())
        + 0.0722 * channel(rgb.blueF());
}

// Fusion, with check boxes that show on a dark base: Qt 6.4's Fusion outlines them in a shade of
// the window colour, which on a dark palette is as dark as the base they sit on (the Hold boxes
// of the stage defaults vanished). The outline is drawn again in the placeholder text's colour.
class ThemedFusion final : public QProxyStyle
{
public:
    ThemedFusion()
        : QProxyStyle(QStyleFactory::create(u"Fusion"_s))
    { }

    void drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
        const QWidget *widget) const override
    {
        QProxyStyle::drawPrimitive(element, option, painter, widget);
        if (element != PE_IndicatorCheckBox && element != PE_IndicatorItemViewItemCheck)
            return;
        if (option->palette.color(QPalette::Base).lightness() >= 128)
            return;
        const QRect box = option->rect.adjusted(1, 1, -1, -1);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing, false);
        painter->setBrush(Qt::NoBrush);
        painter->setPen(option->palette.color(QPalette::PlaceholderText));
        painter->drawRect(box.adjusted(0, 0, -1, -1));
        painter->restore();
    }
};

// The style the platform chose, remembered before a theme replaces it.
QString &platformStyle()
{
    static QString name;
    return name;
}

} // namespace

QString themeName(Theme theme)
{
    switch (theme) {
    case Theme::Light:
        return u"light"_s;
    case Theme::Dark:
        return u"dark"_s;
    case Theme::System:
        break;
    }
    return u"system"_s;
}

std::optional<Theme> themeFromName(const QString &name)
{
    for (const Theme theme : {Theme::System, Theme::Light, Theme::Dark}) {
        if (name.compare(themeName(theme), Qt::CaseInsensitive) == 0)
            return theme;
    }
    return std::nullopt;
}

QPalette lightPalette()
{
    return paletteOf({.window = qRgb(0xef, 0xef, 0xef),
        .windowText = qRgb(0x1f, 0x1f, 0x1f),
        .base = qRgb(0xff, 0xff, 0xff),
        .alternateBase = qRgb(0xf5, 0xf6, 0xf7),
        .text = qRgb(0x1f, 0x1f, 0x1f),
        .button = qRgb(0xef, 0xef, 0xef),
        .buttonText = qRgb(0x1f, 0x1f, 0x1f),
        .highlight = qRgb(0x2f, 0x65, 0xca),
        .highlightedText = qRgb(0xff, 0xff, 0xff),
        .link = qRgb(0x06, 0x45, 0xad),
        .linkVisited = qRgb(0x5b, 0x2d, 0x90),
        .placeholder = qRgb(0x6b, 0x6b, 0x6b),
        .toolTipBase = qRgb(0xff, 0xff, 0xdc),
        .toolTipText = qRgb(0x1f, 0x1f, 0x1f),
        .light = qRgb(0xff, 0xff, 0xff),
        .midlight = qRgb(0xe3, 0xe3, 0xe3),
        .mid = qRgb(0xb8, 0xb8, 0xb8),
        .dark = qRgb(0x9f, 0x9f, 0x9f),
        .shadow = qRgb(0x76, 0x76, 0x76),
        .disabledText = qRgb(0x8c, 0x8c, 0x8c)});
}

QPalette darkPalette()
{
    return paletteOf({.window = qRgb(0x2b, 0x2d, 0x30),
        .windowText = qRgb(0xe6, 0xe6, 0xe6),
        .base = qRgb(0x1e, 0x1f, 0x22),
        .alternateBase = qRgb(0x26, 0x28, 0x2b),
        .text = qRgb(0xe6, 0xe6, 0xe6),
        .button = qRgb(0x3a, 0x3c, 0x40),
        .buttonText = qRgb(0xe6, 0xe6, 0xe6),
        .highlight = qRgb(0x2f, 0x65, 0xca),
        .highlightedText = qRgb(0xff, 0xff, 0xff),
        .link = qRgb(0x6c, 0xb6, 0xff),
        .linkVisited = qRgb(0xb3, 0x9d, 0xdb),
        .placeholder = qRgb(0x9a, 0x9a, 0x9a),
        .toolTipBase = qRgb(0x3a, 0x3c, 0x40),
        .toolTipText = qRgb(0xe6, 0xe6, 0xe6),
        .light = qRgb(0x4f, 0x52, 0x57),
        .midlight = qRgb(0x3e, 0x40, 0x44),
        .mid = qRgb(0x2a, 0x2b, 0x2e),
        .dark = qRgb(0x18, 0x19, 0x1b),
        .shadow = qRgb(0x00, 0x00, 0x00),
        .disabledText = qRgb(0x80, 0x80, 0x80)});
}

void applyTheme(Theme theme)
{
    if (!qobject_cast<QApplication *>(QCoreApplication::instance()))
        return;
    if (platformStyle().isEmpty())
        platformStyle() = QApplication::style()->name();
    qCDebug(lcUi) << "theme" << themeName(theme);
    switch (theme) {
    case Theme::System:
        QApplication::setStyle(platformStyle());
        // A palette that sets no role: the application follows the platform's again, including
        // when the desktop changes it.
        QApplication::setPalette(QPalette());
        return;
    case Theme::Light:
        QApplication::setStyle(new ThemedFusion);
        QApplication::setPalette(lightPalette());
        return;
    case Theme::Dark:
        QApplication::setStyle(new ThemedFusion);
        QApplication::setPalette(darkPalette());
        return;
    }
}

double contrastRatio(const QColor &a, const QColor &b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}
