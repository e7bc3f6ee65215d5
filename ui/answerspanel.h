// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "ui/scripttrypane.h"

#include <QWidget>

class QPlainTextEdit;
class QTableView;
class QTableWidget;
class QTabWidget;
class RulesModel;

namespace Mock {
class Rulebook;
}

// How the mock scanner answers: the default answer and the hold switch of every stage, the rules
// (first match wins; enable, reorder, edit), and for the selected call the match trace: which
// rule answered and why the ones above it did not.
class AnswersPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnswersPanel)

public:
    explicit AnswersPanel(Mock::Rulebook *rulebook, QWidget *parent = nullptr);

    void showMatchTrace(const Mock::Exchange &exchange);
    // The window's selected call, for the rule editor's "Try on the selected call".
    void setSelectedCall(SelectedCall selectedCall) { m_selectedCall = std::move(selectedCall); }
    QTabWidget *tabs() const { return m_tabs; }
    QTableView *rulesView() const { return m_rulesView; }
    QTableWidget *defaultsTable() const { return m_defaults; }
    QSize sizeHint() const override { return {900, 220}; } // a dock under the timeline

public Q_SLOTS:
    void addRule();
    void editRule(int row);
    void loadRules();
    void saveRules();

Q_SIGNALS:
    void statusMessage(const QString &message);

private:
    void refreshDefaults();
    void editDefault(MtaHooks::Stage stage);
    int selectedRule() const;

    Mock::Rulebook *m_rulebook;
    RulesModel *m_rulesModel;
    QTabWidget *m_tabs;
    QTableWidget *m_defaults;
    QTableView *m_rulesView;
    QPlainTextEdit *m_trace;
    bool m_refreshing = false;
    SelectedCall m_selectedCall;
};
