// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"
#include "mock/scanner/endpointsettings.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <memory>

class ConformanceDialog;

namespace Conform {
class MtaObserver;
class Runner;
} // namespace Conform

namespace Mock {
class CaptureStore;
struct Exchange;
} // namespace Mock

// Runs what the Conformance dialog asks for, as `hookscope conform` does: the scanner checks with
// a Conform::Runner, the MTA checks with a Conform::MtaObserver. Every exchange of a run is saved
// to the window's capture store as it happens (the calls Hookscope sends to a scanner in a session
// of the run's own, the calls an MTA sends as they arrive), so it shows in the timeline like any
// call, and the dialog learns each one's id by its index in the run, which is how evidence names
// it.
class ConformanceController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConformanceController)

public:
    ConformanceController(
        ConformanceDialog *dialog, Mock::CaptureStore *store, QObject *parent = nullptr);
    ~ConformanceController() override;

private:
    void runScanner(const Conform::Target &target);
    void runMta(const Mock::EndpointSettings &settings, int seconds);
    void stop();
    void onScannerFinished();
    void onMtaFinished();
    // Saves the run's exchange number `index` and tells the dialog its id.
    void capture(const Mock::Exchange &exchange, qint64 index);

    ConformanceDialog *m_dialog;
    Mock::CaptureStore *m_store;
    std::unique_ptr<Conform::Runner> m_runner;
    std::unique_ptr<Conform::MtaObserver> m_observer;
    Conform::Target m_target;
    qint64 m_seen = 0; // exchanges the observer reported in this run
    quint64 m_run = 0; // counts runs: a save finishing late belongs to the run that made it
    QTimer m_deadline;
};
