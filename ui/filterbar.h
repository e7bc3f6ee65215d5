// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"

#include <QStringList>
#include <QWidget>

class QLabel;
class QLineEdit;
class QToolButton;

// The timeline's filter: the query language of mock/capture/filterlanguage.h, applied as you type
// (after a short pause), errors shown where they are, and saved filters.
class FilterBar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FilterBar)

public:
    explicit FilterBar(QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &text);
    QLineEdit *lineEdit() const { return m_edit; }
    QStringList savedFilters() const { return m_saved; }
    void setSavedFilters(const QStringList &filters);

Q_SIGNALS:
    void queryChanged(const Mock::CaptureQuery &query);
    void savedFiltersChanged(const QStringList &filters);

private:
    void apply();
    void rebuildMenu();

    QLineEdit *m_edit;
    QToolButton *m_saved_button;
    QLabel *m_error;
    QStringList m_saved;
    QString m_applied;
};
