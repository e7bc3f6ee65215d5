// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/widgets/exchangeanalysis.h"

#include <QWidget>

class HeadersModel;
class QLabel;
class QSplitter;
class QStackedWidget;
class QTableView;
class ResponseEditor;

// The Answer tab, in two halves. Top: what Hookscope sent (HTTP status, headers, body, an injected
// fault). Bottom: what the MTA does with it (apply()'s outcome: action, reply, and a unified diff
// of the envelope and message before and after).
class AnswerPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnswerPage)

public:
    explicit AnswerPage(QWidget *parent = nullptr);
    ~AnswerPage() override;

    void showAnalysis(const ExchangeAnalysis &analysis);
    void clear();

    ResponseEditor *answerEditor() const { return m_answer; }
    ResponseEditor *diffEditor() const { return m_diff; }
    QTableView *headersView() const { return m_headersView; }
    QString statusText() const;
    QString outcomeText() const;
    // What was sent beside what it did rather than above it: for a pane wider than it is tall
    // (the Replay panel under the timeline).
    void setSideBySide(bool sideBySide);

private:
    ResponseEditor *m_answer;
    HeadersModel *m_headers;
    QTableView *m_headersView;
    QLabel *m_status;
    QLabel *m_outcome;
    ResponseEditor *m_diff;
    QStackedWidget *m_diffStack; // the diff, or nothing when there is nothing to compare
    QWidget *m_noDiff;
    QSplitter *m_halves;
    QSplitter *m_sentSplitter = nullptr; // the answer's body and its headers
};
