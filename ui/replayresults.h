// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/replayresult.h"

#include <QSplitter>

class ExchangeDetail;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;
class ResponseEditor;

// What the Replay panel's runs got: per session its stages with the verdict, reply, latency and
// expectation of each; beside them the selected stage through the capture's detail view (the
// answer beside what it did), or for a session what the message became. Keeps the runs, to
// compare the last two side by side.
class ReplayResults final : public QSplitter
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplayResults)

public:
    explicit ReplayResults(QWidget *parent = nullptr);
    ~ReplayResults() override;

    QTreeWidget *tree() const { return m_tree; }
    ExchangeDetail *detail() const { return m_detail; }
    ResponseEditor *messageDiff() const { return m_messageDiff; }

    // A new run of `sessionCount` of `sessions`, described by `label` in comparisons; the one
    // before becomes comparable.
    void startRun(
        int sessionCount, const QList<Mock::SessionRecording> &sessions, const QString &label);
    void addStage(int sessionIndex, const Mock::StageResult &result);
    void finishSession(int sessionIndex, const Mock::ReplayResult &result);
    bool hasEarlierRun() const { return !m_runs.isEmpty(); }
    // The last run against the one before, the differing answers highlighted (a dialog).
    void compareRuns();

private:
    struct Run
    {
        QString label;
        QList<Mock::ReplayResult> results;
    };
    void showSelection();
    QTreeWidgetItem *sessionItem(int sessionIndex);

    QList<Mock::SessionRecording> m_sessions; // the current run's
    QList<Run> m_runs;
    Run m_current;
    QTreeWidget *m_tree;
    ExchangeDetail *m_detail;
    ResponseEditor *m_messageDiff;
    QStackedWidget *m_stack;
};
