// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"

#include <QWidget>

class QLabel;
class QTreeWidget;

// The Problems tab: one row per finding (severity, where, what). Activating a row with a pointer
// asks the detail view to show it in the request.
class ProblemsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProblemsPage)

public:
    enum Column { SeverityColumn, WhereColumn, MessageColumn, ColumnCount };

    explicit ProblemsPage(QWidget *parent = nullptr);
    ~ProblemsPage() override;

    void setProblems(const MtaHooks::Problems &problems);
    MtaHooks::Problems problems() const { return m_problems; }
    QTreeWidget *list() const { return m_list; }
    // Activates row `row` as a double click would.
    void activate(int row);

Q_SIGNALS:
    void problemActivated(const MtaHooks::Problem &problem);

private:
    QTreeWidget *m_list;
    QLabel *m_hint;
    MtaHooks::Problems m_problems;
};
