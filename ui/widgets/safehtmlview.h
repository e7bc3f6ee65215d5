// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QImage>
#include <QList>
#include <QTextBrowser>
#include <QUrl>

// The HTML part of a message, rendered without touching the outside world. QTextBrowser runs no
// scripts; this subclass also refuses every resource that is not a cid: reference to a part of
// the message itself (http, https, ftp, file, relative paths …) and never follows a link.
// There is deliberately no way to allow remote content: a tracking pixel would tell the sender
// that a test message was opened, and a file URL could read (or hang on) local files.
class SafeHtmlView final : public QTextBrowser
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SafeHtmlView)

public:
    explicit SafeHtmlView(QWidget *parent = nullptr);
    ~SafeHtmlView() override;

    // The message whose parts cid: references resolve to, and the HTML to show.
    void setContent(const MtaHooks::Mime::MimeMessage &message, const QString &html);
    void clearContent();

    // Serves cid: references; refuses everything else. A refused image is blockedImage() and any
    // other refused resource an empty string, never a null QVariant: Qt falls back to reading
    // local files itself when it gets nothing usable.
    QVariant loadResource(int type, const QUrl &name) override;
    // The placeholder for a refused image (its text "hookscope" is "blocked").
    static QImage blockedImage();

    QList<QUrl> refusedUrls() const { return m_refused; }
    QList<QUrl> servedUrls() const { return m_served; }

Q_SIGNALS:
    void resourceRefused(const QUrl &url);

protected:
    // No navigation, whatever the caller asks.
    void doSetSource(const QUrl &name, QTextDocument::ResourceType type) override;

private:
    MtaHooks::Mime::MimeMessage m_message;
    QList<QUrl> m_refused;
    QList<QUrl> m_served;
};
