// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QWidget>

#include <memory>

class AnswerPage;
class MimeView;
class OverviewPage;
class ProblemsPage;
class QTabWidget;
class RequestPage;

// The right-hand side of the window: everything about one call, in tabs.
//  Overview — client, TLS, auth, server, queue id, envelope, verdict and reply, timing; envelope
//             against message headers side by side with mismatches flagged.
//  Request  — the body in a read-only JSON view (CBOR/MessagePack shown as JSON with a note), the
//             HTTP headers, "Copy as curl".
//  Message  — the MIME view (tree, headers, text, safe HTML, attachments, raw/hex).
//  Answer   — what Hookscope sent, and the message as the MTA has it after the answer, with a
//             before/after diff of headers, envelope and body.
//  Problems — the validator's findings; activating one jumps to its field in the Request tab.
class ExchangeDetail final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExchangeDetail)

public:
    enum Tab { OverviewTab, RequestTab, MessageTab, AnswerTab, ProblemsTab, TabCount };

    explicit ExchangeDetail(QWidget *parent = nullptr);
    ~ExchangeDetail() override;

    // A whole exchange (bodies included, as CaptureStore::load gives it).
    void showExchange(const Mock::Exchange &exchange);
    void clear();
    Mock::Exchange exchange() const;

    void setCurrentTab(Tab tab);
    Tab currentTab() const;
    QTabWidget *tabs() const { return m_tabs; }

    void setBaseUrl(const QString &baseUrl);

    // The tabs themselves (for tests, screenshots and the window's shortcuts).
    OverviewPage *overviewTab() const;
    RequestPage *requestTab() const;
    MimeView *mimeView() const;
    AnswerPage *answerTab() const;
    ProblemsPage *problemsTab() const;
    // The Message tab's text when the call carries no message ("" when it does).
    QString noMessageText() const;

Q_SIGNALS:
    // A row of the Problems tab was activated (pointer "" for problems of the whole call).
    void problemActivated(const QString &pointer);

private:
    void openLink(const QString &target);
    void showProblem(const MtaHooks::Problem &problem);

    struct Private;
    std::unique_ptr<Private> d;
    QTabWidget *m_tabs;
};
