// SPDX-License-Identifier: GPL-3.0-or-later
// The window's looks: View ▸ Columns and Theme, the colours that follow the palette, and the
// count of sessions with new calls.
#include "ui/mainwindow.h"

#include "ui/models/sessionmodel.h"
#include "ui/models/verdictstyle.h"
#include "ui/timelinecolumns.h"

#include <QAction>
#include <QActionGroup>
#include <QEvent>
#include <QLabel>
#include <QMenu>
#include <QSplitter>
#include <QStyle>
#include <QTreeView>

using namespace Qt::StringLiterals;

void MainWindow::buildViewMenu(QMenu *viewMenu)
{
    QMenu *columns = viewMenu->addMenu(tr("&Columns"));
    columns->setToolTipsVisible(true);
    // Built when opened: it shows the columns in their current order and state.
    connect(columns, &QMenu::aboutToShow, this, [this, columns] {
        columns->clear();
        m_columns->populateMenu(columns);
    });
    QAction *markSeen
        = viewMenu->addAction(tr("&Mark all seen"), m_sessions, &SessionModel::markAllSeen);
    markSeen->setShortcut(QKeySequence(u"Ctrl+Shift+M"_s));
    markSeen->setToolTip(tr("New calls show in bold until their session is selected"));

    QMenu *themes = viewMenu->addMenu(tr("&Theme"));
    auto *group = new QActionGroup(this);
    const std::pair<Theme, QString> choices[] {
        {Theme::System, tr("&System")}, {Theme::Light, tr("&Light")}, {Theme::Dark, tr("&Dark")}};
    for (const auto &[theme, label] : choices) {
        QAction *action = themes->addAction(label);
        action->setCheckable(true);
        action->setData(themeName(theme));
        group->addAction(action);
        m_themeActions.append(action);
        connect(action, &QAction::triggered, this, [this, theme = theme] {
            applyTheme(theme);
            Q_EMIT themeChosen(theme);
        });
    }
    m_themeActions.constFirst()->setToolTip(tr("The desktop's colours"));
    m_themeActions.constFirst()->setChecked(true);
}

void MainWindow::setThemeChecked(Theme theme)
{
    if (QAction *action = themeAction(theme))
        action->setChecked(true);
}

QAction *MainWindow::themeAction(Theme theme) const
{
    return m_themeActions.value(int(theme));
}

void MainWindow::tintBanner()
{
    QPalette palette = m_banner->palette();
    palette.setColor(QPalette::Window, bannerBackground(palette));
    m_banner->setPalette(palette);
}

void MainWindow::showNewRows(int sessions)
{
    m_newRows->setVisible(sessions > 0);
    m_newRows->setText(sessions == 1 ? tr("● 1 session with new calls")
                                     : tr("● %1 sessions with new calls").arg(sessions));
}

int MainWindow::timelineViewWidth() const
{
    // The splitter's share less the margin, frame and scroll bar around the view: the view itself
    // is laid out only after the next layout pass.
    const int share = m_horizontal->sizes().value(0);
    return share - 4 - 2 * m_timeline->frameWidth()
        - style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, m_timeline);
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        // Colours picked for the palette that was: pick them again, and repaint the timeline,
        // whose verdict colours come from the application palette.
        tintBanner();
        m_timeline->viewport()->update();
    }
    QMainWindow::changeEvent(event);
}
