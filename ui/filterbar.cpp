// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/filterbar.h"

#include "mock/capture/filterlanguage.h"

#include <QCompleter>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

FilterBar::FilterBar(QWidget *parent)
    : QWidget(parent)
    , m_edit(new QLineEdit(this))
    , m_saved_button(new QToolButton(this))
    , m_error(new QLabel(this))
{
    m_edit->setPlaceholderText(tr("Filter (/): stage:rcpt  from:*@example.org  -action:accept  "
                                  "has:attachment  smtp:5xx  text…"));
    m_edit->setClearButtonEnabled(true);
    m_edit->setToolTip(
        tr("Terms are ANDed; a leading '-' negates. Fields: %1. Anything else is free text.\n"
           "smtp:5xx is the SMTP reply the answer leads to (smtp:550 for one code); http:5xx "
           "is the HTTP status of the answer, and status:5xx is the same as http:5xx.")
            .arg(Mock::filterFieldNames().join(u", "_s)));
    QStringList completions;
    for (const QString &field : Mock::filterFieldNames())
        completions << field + u':';
    auto *completer = new QCompleter(completions, m_edit);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_edit->setCompleter(completer);
    m_saved_button->setText(tr("Saved"));
    m_saved_button->setPopupMode(QToolButton::InstantPopup);
    m_saved_button->setToolTip(tr("Saved filters"));
    m_error->setVisible(false);
    // A long message (it quotes what was typed) wraps, and a word longer than the bar is cut
    // (the tooltip has it whole): the label never widens the window.
    m_error->setWordWrap(true);
    m_error->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_error->setObjectName(u"filterError"_s);
    QPalette palette = m_error->palette();
    palette.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x28));
    m_error->setPalette(palette);

    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_edit, 1);
    row->addWidget(m_saved_button);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_error);

    auto *debounce = new QTimer(this);
    debounce->setSingleShot(true);
    debounce->setInterval(250);
    connect(m_edit, &QLineEdit::textChanged, debounce, qOverload<>(&QTimer::start));
    connect(debounce, &QTimer::timeout, this, &FilterBar::apply);
    connect(m_edit, &QLineEdit::returnPressed, this, &FilterBar::apply);
    rebuildMenu();
}

QString FilterBar::text() const
{
    return m_edit->text();
}

void FilterBar::setText(const QString &text)
{
    m_edit->setText(text);
    apply();
}

void FilterBar::setSavedFilters(const QStringList &filters)
{
    m_saved = filters;
    rebuildMenu();
}

void FilterBar::apply()
{
    const QString text = m_edit->text().trimmed();
    const Mock::FilterParseResult result = Mock::parseFilter(text);
    if (!result.isValid()) {
        m_error->setText(result.errorPosition >= 0
                ? tr("%1 (at character %2)").arg(result.error).arg(result.errorPosition + 1)
                : result.error);
        m_error->setToolTip(m_error->text());
        m_error->setVisible(true);
        return;
    }
    m_error->setVisible(false);
    if (text == m_applied)
        return;
    m_applied = text;
    Q_EMIT queryChanged(result.query);
}

void FilterBar::rebuildMenu()
{
    auto *menu = new QMenu(this);
    QAction *save = menu->addAction(tr("Save this filter"), this, [this] {
        const QString text = m_edit->text().trimmed();
        if (text.isEmpty() || m_saved.contains(text))
            return;
        m_saved.append(text);
        rebuildMenu();
        Q_EMIT savedFiltersChanged(m_saved);
    });
    save->setEnabled(true);
    if (!m_saved.isEmpty())
        menu->addSeparator();
    for (const QString &filter : std::as_const(m_saved)) {
        QMenu *entry = menu->addMenu(filter);
        entry->addAction(tr("Apply"), this, [this, filter] { setText(filter); });
        entry->addAction(tr("Forget"), this, [this, filter] {
            m_saved.removeAll(filter);
            rebuildMenu();
            Q_EMIT savedFiltersChanged(m_saved);
        });
    }
    QMenu *old = m_saved_button->menu();
    m_saved_button->setMenu(menu);
    delete old;
}
