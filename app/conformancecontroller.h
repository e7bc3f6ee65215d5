// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"
#include "mock/scanner/endpointsettings.h"

#include <QHash>
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
// a Conform::Runner, the MTA checks with a Conform::MtaObserver. What an MTA sends is saved to the
// window's capture store as it arrives, so it shows in the timeline like any call and each check
// can lead to the captured exchanges that are its evidence.
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
    void onExchangeSeen(const Mock::Exchange &exchange);
    void onMtaFinished();
    // The capture id of each observed exchange, by the evidence text the checks quote it with.
    QHash<QString, qint64> capturedByEvidence() const;

    ConformanceDialog *m_dialog;
    Mock::CaptureStore *m_store;
    std::unique_ptr<Conform::Runner> m_runner;
    std::unique_ptr<Conform::MtaObserver> m_observer;
    Conform::Target m_target;
    QList<qint64> m_captured; // the capture id of each observed exchange, in arrival order
    QTimer m_deadline;
};
