// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/safehtmlview.h"

#include "mock/mime/mimedecoder.h"

#include <QImage>
#include <QPainter>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::MimeDecoder;
using MtaHooks::Mime::MimePart;

SafeHtmlView::SafeHtmlView(QWidget *parent)
    : QTextBrowser(parent)
{
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setSearchPaths({});
    setReadOnly(true);
}

SafeHtmlView::~SafeHtmlView() = default;

void SafeHtmlView::setContent(const MtaHooks::Mime::MimeMessage &message, const QString &html)
{
    m_message = message;
    m_refused.clear();
    m_served.clear();
    // Resources of the previous message must not be served from the document's cache.
    document()->clear();
    setHtml(html);
}

void SafeHtmlView::clearContent()
{
    m_message = {};
    m_refused.clear();
    m_served.clear();
    document()->clear();
}

QVariant SafeHtmlView::loadResource(int type, const QUrl &name)
{
    if (name.scheme().compare(u"cid"_s, Qt::CaseInsensitive) == 0) {
        // RFC 2392: cid:<content-id without brackets>, percent-encoded.
        const QString id = QUrl::fromPercentEncoding(name.path(QUrl::FullyEncoded).toUtf8());
        const QList<MimePart> parts = m_message.allParts();
        const MimePart *match = nullptr;
        for (const MimePart &part : parts) {
            if (part.contentId() == id) {
                match = &part;
                break;
            }
            if (!match && part.contentId().compare(id, Qt::CaseInsensitive) == 0)
                match = &part;
        }
        if (match) {
            const QByteArray body = MimeDecoder::decodedBody(m_message, *match);
            m_served.append(name);
            if (type == QTextDocument::ImageResource) {
                QImage image;
                image.loadFromData(body);
                return image;
            }
            if (type == QTextDocument::StyleSheetResource)
                return QString::fromUtf8(body);
            return body;
        }
    }
    if (!m_refused.contains(name)) {
        m_refused.append(name);
        Q_EMIT resourceRefused(name);
    }
    // Never a null QVariant: QTextDocument then reads local files itself, and QTextImageHandler
    // goes on to QImage::load(src) when the result is not an image. A placeholder image stops
    // both (found by tst_ui_mimeview's blocksLocalFileFallback).
    if (type == QTextDocument::ImageResource)
        return blockedImage();
    if (type == QTextDocument::StyleSheetResource)
        return QString(u""_s);
    return QByteArray("");
}

QImage SafeHtmlView::blockedImage()
{
    // A small crossed box where the image would be, so the layout shows that something was
    // withheld; images with a width and height attribute scale it to their box.
    QImage image(16, 16, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setPen(QColor(0x99, 0x99, 0x99));
    painter.drawRect(0, 0, 15, 15);
    painter.drawLine(3, 3, 12, 12);
    painter.drawLine(12, 3, 3, 12);
    painter.end();
    image.setText(u"hookscope"_s, u"blocked"_s);
    return image;
}

void SafeHtmlView::doSetSource(const QUrl &, QTextDocument::ResourceType) { }
