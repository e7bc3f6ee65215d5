// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/widgets/exchangeanalysis.h"

#include <QWidget>

class QTextBrowser;

// The Overview tab: the verdict first, then who talked to whom, the envelope, the envelope
// against the message headers, the answer and why, and the call's timing. A read-only rich-text
// page (every value from the wire is HTML-escaped), so that all of it can be selected and copied.
class OverviewPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(QWidget *parent = nullptr);
    ~OverviewPage() override;

    void showAnalysis(const ExchangeAnalysis &analysis);
    void clear();
    QString toPlainText() const;
    QTextBrowser *browser() const { return m_browser; }

    // The page's HTML for an analysis and a palette (public for tests).
    static QString html(const ExchangeAnalysis &analysis, const QPalette &palette);

Q_SIGNALS:
    // "problems", "message", "answer", "request": the links on the page.
    void linkActivated(const QString &target);

protected:
    void changeEvent(QEvent *event) override;

private:
    QTextBrowser *m_browser;
    ExchangeAnalysis m_analysis;
    bool m_hasAnalysis = false;
};
