// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/models/sessionmodel.h"

#include <QByteArray>
#include <QObject>

#include <array>

class QMenu;
class QTreeView;

// The timeline's columns: their first-run widths and order, which start hidden, and the menu
// (the header's context menu and View ▸ Columns) that shows, hides and resets them. The user
// reorders them by dragging the header; the window saves the state() with its layout.
class TimelineColumns final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimelineColumns)

public:
    explicit TimelineColumns(QTreeView *timeline);

    // The first-run order, widths that fit each column's texts with the text columns sharing
    // what viewWidth leaves (the view's width when 0), Dialect and Details hidden.
    void applyDefaults(int viewWidth = 0);
    // Fills menu with a checkable action per column and "Reset columns".
    void populateMenu(QMenu *menu);

    QByteArray state() const;
    bool restoreState(const QByteArray &state); // false (and nothing changed) for another layout

private:
    void setDefaultWidths();
    void setWidth(int column, int width);
    void fitTextColumns(int viewWidth);

    QTreeView *m_timeline;
    std::array<int, SessionModel::ColumnCount> m_defaultWidths {};
};
