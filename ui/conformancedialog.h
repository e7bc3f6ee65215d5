// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformreport.h"
#include "mock/scanner/endpointsettings.h"

#include <QDialog>

class ConformResultsModel;
class QButtonGroup;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QStackedWidget;
class QTreeView;

// `hookscope conform` in the window: check a scanner (the checks run against its URL) or an MTA
// (Hookscope listens as its scanner, answers some calls with faults and scores what the MTA does).
// One row per check; below the table the selected row's evidence: a list of its exchanges and
// their text (each sent, then seen). Every exchange of a run is captured (what Hookscope sends to a
// scanner, what an MTA sends to Hookscope), so the one picked in the list can be shown in the
// timeline. It sends nothing itself: app/ runs the checks when a run is requested and feeds the
// results and the captured ids back.
class ConformanceDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConformanceDialog)

public:
    enum class Mode { Scanner, Mta };

    explicit ConformanceDialog(QWidget *parent = nullptr);
    ~ConformanceDialog() override;

    Mode mode() const;
    void setMode(Mode mode);
    bool isRunning() const { return m_running; }

    // The state of a run, as app/ learns it.
    void runStarted(); // rows cleared, Stop enabled
    void setListening(const QString &url); // MTA mode: where to point the MTA
    void runRefused(const QString &message); // nothing runs (cannot listen, bad input)
    void addResult(const Conform::Result &result);
    // The run's exchange `exchange` (Conform::Evidence::exchange) is in the capture store as `id`.
    void exchangeCaptured(qint64 exchange, qint64 id);
    void runFinished(const Conform::Report &report);

    // For app/ and tests.
    ConformResultsModel *model() const { return m_model; }
    QTreeView *resultsView() const { return m_view; }
    QPlainTextEdit *evidenceView() const { return m_evidence; }
    // One item per exchange of the selected row; its current item is what Show in timeline shows.
    QListWidget *evidenceList() const { return m_exchanges; }
    QLineEdit *scannerUrlEdit() const { return m_url; }
    QComboBox *dialectBox() const { return m_dialect; }
    QLineEdit *scannerAuthEdit() const { return m_auth; }
    QLineEdit *listenEdit() const { return m_listen; }
    QSpinBox *durationBox() const { return m_duration; }
    QLineEdit *mtaAuthEdit() const { return m_mtaAuth; }
    QLabel *listeningLabel() const { return m_listening; }
    QLabel *summaryLabel() const { return m_summary; }
    QPushButton *runButton() const { return m_run; }
    QPushButton *stopButton() const { return m_stop; }
    QPushButton *showInTimelineButton() const { return m_showInTimeline; }
    Conform::Report report() const { return m_report; }

Q_SIGNALS:
    void scannerRunRequested(const Conform::Target &target);
    void mtaRunRequested(const Mock::EndpointSettings &settings, int seconds);
    void stopRequested();
    void showExchangeRequested(qint64 exchangeId);

private:
    QWidget *buildScannerPage();
    QWidget *buildMtaPage();
    void requestRun();
    void showSelection();
    void refreshCapturedIds();
    void showEvidenceItem();
    qint64 pickedExchangeId() const; // of the evidence list's current item, 0 when none
    void showInTimeline();
    void updateSummary();
    void updateButtons();
    void save(bool asJson);

    ConformResultsModel *m_model;
    QRadioButton *m_scannerMode;
    QRadioButton *m_mtaMode;
    QStackedWidget *m_pages;
    QLineEdit *m_url = nullptr;
    QComboBox *m_dialect = nullptr;
    QLineEdit *m_auth = nullptr;
    QLineEdit *m_listen = nullptr;
    QSpinBox *m_duration = nullptr;
    QLineEdit *m_mtaAuth = nullptr;
    QLabel *m_listening = nullptr;
    QPushButton *m_run;
    QPushButton *m_stop;
    QLabel *m_summary;
    QPushButton *m_saveJunit;
    QPushButton *m_saveJson;
    QTreeView *m_view;
    QListWidget *m_exchanges;
    QPlainTextEdit *m_evidence;
    QPushButton *m_showInTimeline;
    Conform::Report m_report;
    QString m_listeningUrl;
    Mode m_runMode = Mode::Scanner;
    bool m_running = false;
    bool m_stopping = false;
    bool m_finished = false;
};
