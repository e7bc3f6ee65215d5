// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"
#include "mock/scanner/heldcall.h"
#include "ui/callcounts.h"
#include "ui/theme.h"

#include <QHash>
#include <QMainWindow>
#include <QPersistentModelIndex>

class AnswersPanel;
class ConformanceDialog;
class ConnectPanel;
struct ConnectInfo;
class ExchangeDetail;
class FilterBar;
class HeldCallPanel;
class QAction;
class QLabel;
class QToolButton;
class QTreeView;
class ReplayPanel;
class SessionModel;
class TimelineColumns;

namespace Mock {
class CaptureStore;
class Rulebook;
} // namespace Mock

// The window: the timeline of SMTP sessions on the left, everything about the selected call on
// the right, the answers (stage defaults, rules, match trace) in a dock, held calls edited above
// the details. It creates no server: it shows the store and the rulebook it is given and asks for
// everything else through signals that app/ connects.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    MainWindow(Mock::CaptureStore *store, Mock::Rulebook *rulebook, SessionModel *sessions,
        QWidget *parent = nullptr);
    ~MainWindow() override;

    // The endpoint's state, as app/ learns it.
    void setListening(bool listening, const QString &url);
    void showError(const QString &message);
    void showStatus(const QString &message);
    // The capture store's health: a lasting warning while captures are not being stored.
    void showStorageHealth(bool storing, const QString &reason, qint64 lost);
    // Stays in the status bar until cleared (""): e.g. an endpoint open to the network.
    void setExposureWarning(const QString &message);
    QString exposureWarning() const;

    void setSavedFilters(const QStringList &filters);
    QStringList savedFilters() const;

    // Selection, for keyboard navigation and tests.
    qint64 currentExchangeId() const;
    bool selectExchange(qint64 id);

    QTreeView *timeline() const { return m_timeline; }
    FilterBar *filterBar() const { return m_filter; }
    ExchangeDetail *detail() const { return m_detail; }
    HeldCallPanel *heldPanel() const { return m_held; }
    AnswersPanel *answersPanel() const { return m_answers; }
    QAction *listenAction() const { return m_listenAction; }
    ReplayPanel *replayPanel() const { return m_replay; }
    ConformanceDialog *conformanceDialog() const { return m_conformance; }
    QStringList selectedSessionKeys() const;

    // A banner over the timeline (demo mode explains each sample session there).
    void showBanner(const QString &title, const QString &text);
    void hideBanner();
    void raiseReplay();
    void showConformance(); // Tools ▸ Conformance…: the dialog, shown and raised
    // A conformance check's evidence: the main window to the front with that call selected.
    bool revealExchange(qint64 id);
    // First run (no saved layout): the timeline and details get the room, the docks start small.
    void applyDefaultLayout();
    TimelineColumns *timelineColumns() const { return m_columns; }

    // View ▸ Theme shows this one as chosen (app/ applies the saved theme before the window
    // exists). Choosing another in the menu applies it and emits themeChosen.
    void setThemeChecked(Theme theme);
    QAction *themeAction(Theme theme) const;
    QLabel *newRowsLabel() const { return m_newRows; }
    // The panel of answers and replays under the timeline: hidden, it gives its height back.
    bool isBottomPanelVisible() const;
    void setBottomPanelVisible(bool visible);
    QAction *bottomPanelAction() const { return m_bottomAction; }
    QByteArray splitterState() const; // saveState() covers toolbars; this the panes
    bool restoreSplitterState(const QByteArray &state);
    // How to point an MTA here (mainwindowconnect.cpp): in place of the details while the store
    // has no calls, and in Help ▸ Connect an MTA….
    void setConnectInfo(const ConnectInfo &info);
    void setTestCallResult(bool ok, const QString &message);
    ConnectPanel *connectPanel() const { return m_connect; }
    bool isConnectPaneShown() const;
    void showConnectDialog();

public Q_SLOTS:
    void onCallHeld(const Mock::HeldCall &call);
    void onHeldCallEnded(qint64 callId, const Mock::Exchange &exchange);
    void refreshCounts();
    void scheduleCounts(); // at most four times a second under load

Q_SIGNALS:
    void listeningToggled(bool listen);
    void heldAnswerSubmitted(
        qint64 callId, const QByteArray &body, int httpStatus, const QByteArray &contentType);
    void heldReleaseRequested(qint64 callId);
    void settingsRequested();
    void openDatabaseRequested(const QString &path);
    void saveDatabaseRequested(const QString &path); // a copy of the captures
    void importRequested(const QString &path); // .eml, session file or HAR
    void exportSessionsRequested(const QString &path, const QList<qint64> &exchangeIds);
    void exportHarRequested(const QString &path, const QList<qint64> &exchangeIds);
    void clearRequested();
    void removeRequested(const QList<qint64> &exchangeIds); // whole sessions or single calls
    void savedFiltersChanged(const QStringList &filters);
    void demoRequested();
    void testCallRequested(); // the Connect panel's "Send a test call"
    void themeChosen(Theme theme);

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildActions();
    void buildLayout();
    void buildViewMenu(class QMenu *viewMenu);
    void tintBanner();
    void showNewRows(int sessions);
    int timelineViewWidth() const;
    void bindKeys();
    void onCurrentChanged();
    void onExchangeSaved(const Mock::Exchange &summary, bool isNew);
    void updateHeldPanel(const Mock::Exchange &exchange);
    void moveSelection(int delta);
    void updateHeldCountdown();
    void onQueryChanged(const Mock::CaptureQuery &query);
    QList<qint64> selectedOrVisibleExchangeIds() const;
    QWidget *buildDetailPane();
    void updateConnectPane();
    void showConnectPane(bool noCaptures);
    void showCounts();

    Mock::CaptureStore *m_store;
    Mock::Rulebook *m_rulebook;
    SessionModel *m_sessions;
    QTreeView *m_timeline;
    FilterBar *m_filter;
    ExchangeDetail *m_detail;
    HeldCallPanel *m_held;
    AnswersPanel *m_answers;
    ReplayPanel *m_replay;
    ConformanceDialog *m_conformance;
    ConnectPanel *m_connect = nullptr; // the details pane's, while there are no calls
    ConnectPanel *m_connectDialogPanel = nullptr; // Help ▸ Connect an MTA…'s
    class QStackedWidget *m_detailStack = nullptr;
    QLabel *m_banner;
    class QTabWidget *m_bottomTabs = nullptr;
    class QSplitter *m_vertical = nullptr;
    class QSplitter *m_horizontal = nullptr;
    QAction *m_listenAction = nullptr;
    QAction *m_bottomAction = nullptr;
    int m_bottomHeight = 220; // what a hidden bottom panel comes back with
    QToolButton *m_address;
    QLabel *m_counts;
    QLabel *m_error;
    QLabel *m_heldStatus; // the countdown of the earliest held call
    QLabel *m_storage;
    QLabel *m_exposure;
    QLabel *m_newRows;
    TimelineColumns *m_columns = nullptr;
    QList<QAction *> m_themeActions; // in Theme's order
    QString m_url;
    QHash<qint64, Mock::HeldCall> m_heldCalls; // by exchange id
    CallCounts m_callCounts;
    bool m_countsStale = false; // a change the counts cannot follow in memory: count again
    bool m_followTail = true;
    class QTimer *m_followTimer;
    QPersistentModelIndex m_tailSession; // the session to show when the view follows next
    class QTimer *m_countsTimer;
    class QTimer *m_heldTimer;
};
