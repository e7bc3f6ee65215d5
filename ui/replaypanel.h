// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/mta/replayresult.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTreeWidget;
class ReplayResults;

// The mock MTA in the window: sessions to replay (files, samples, captured sessions, or a new one
// from an .eml and an envelope), where to (URL, dialect, encoding, auth, concurrency), a progress
// bar, and per stage the request sent, the answer received, the verdict and latency; per session
// what the message became (a before/after diff); expectations as pass/fail with a summary; and two
// runs side by side with the differing answers highlighted. It sends nothing itself: app/ runs
// the replayer when runRequested is emitted and feeds the results back.
class ReplayPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReplayPanel)

public:
    explicit ReplayPanel(QWidget *parent = nullptr);
    ~ReplayPanel() override;

    void addSessions(const QList<Mock::SessionRecording> &sessions);
    QList<Mock::SessionRecording> sessions() const { return m_sessions; }
    void setDefaultTarget(const QString &url); // the own endpoint, until the user types another
    Mock::ReplayTarget target() const;
    int concurrency() const;
    QTreeWidget *resultsView() const;
    ReplayResults *results() const { return m_results; }
    QPushButton *runButton() const { return m_run; }
    QSize sizeHint() const override { return {900, 320}; }
    // How the user shared the panel's width out (kept with the window's layout).
    QByteArray layoutState() const;
    bool restoreLayoutState(const QByteArray &state);

public Q_SLOTS:
    void onStarted(int sessionCount);
    void onStageFinished(int sessionIndex, const Mock::StageResult &result);
    void onSessionFinished(int sessionIndex, const Mock::ReplayResult &result);
    void onFinished(const Mock::ReplaySummary &summary);
    void addFiles();
    void newSessionFromMessage();

Q_SIGNALS:
    void runRequested(const QList<Mock::SessionRecording> &sessions,
        const Mock::ReplayTarget &target, int concurrency);
    void cancelRequested();
    void addCapturedRequested(); // the timeline's selected sessions

protected:
    void showEvent(QShowEvent *event) override;

private:
    void runSelected();
    void editTls(); // the CA file and client certificate for https scanners

    QList<Mock::SessionRecording> m_sessions;
    QList<Mock::SessionRecording> m_running;
    QString m_defaultUrl;
    QListWidget *m_list;
    QLineEdit *m_url;
    QComboBox *m_dialect;
    QComboBox *m_encoding;
    QLineEdit *m_auth;
    QLineEdit *m_registration;
    QComboBox *m_onError;
    QSpinBox *m_concurrency;
    QSpinBox *m_timeout;
    QCheckBox *m_insecure;
    QPushButton *m_tls;
    QString m_caCertificatesFile;
    QString m_clientCertificateFile;
    QString m_clientKeyFile;
    QPushButton *m_run;
    QPushButton *m_cancel;
    QPushButton *m_compare;
    QProgressBar *m_progress;
    QLabel *m_summary;
    ReplayResults *m_results;
    QSplitter *m_split;
    bool m_shared = false; // the width shared out between controls and results, or restored
};
