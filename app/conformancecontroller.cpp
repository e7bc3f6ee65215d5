// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/conformancecontroller.h"

#include "mock/capture/capturestore.h"
#include "mock/conform/conformreport.h"
#include "mock/conform/conformrunner.h"
#include "mock/conform/mtaobserver.h"
#include "ui/conformancedialog.h"

using namespace Qt::StringLiterals;

ConformanceController::ConformanceController(
    ConformanceDialog *dialog, Mock::CaptureStore *store, QObject *parent)
    : QObject(parent)
    , m_dialog(dialog)
    , m_store(store)
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &ConformanceController::stop);
    connect(
        dialog, &ConformanceDialog::scannerRunRequested, this, &ConformanceController::runScanner);
    connect(dialog, &ConformanceDialog::mtaRunRequested, this, &ConformanceController::runMta);
    connect(dialog, &ConformanceDialog::stopRequested, this, &ConformanceController::stop);
}

ConformanceController::~ConformanceController() = default;

void ConformanceController::runScanner(const Conform::Target &target)
{
    m_target = target;
    ++m_run;
    m_runner = std::make_unique<Conform::Runner>();
    // Before the check's result: a row arrives with its exchanges already stored.
    connect(
        m_runner.get(), &Conform::Runner::exchangeRecorded, this, &ConformanceController::capture);
    connect(m_runner.get(), &Conform::Runner::checkFinished, m_dialog,
        [this](const Conform::Result &result) { m_dialog->addResult(result); });
    connect(m_runner.get(), &Conform::Runner::finished, this,
        &ConformanceController::onScannerFinished);
    m_runner->start(target);
}

void ConformanceController::onScannerFinished()
{
    Conform::Report report;
    report.scanner = m_target.url.toString();
    report.dialect = m_target.dialect;
    report.results = m_runner->results();
    report.unreachable = m_runner->unreachable();
    m_dialog->runFinished(report);
}

void ConformanceController::runMta(const Mock::EndpointSettings &settings, int seconds)
{
    ++m_run;
    m_seen = 0;
    m_observer = std::make_unique<Conform::MtaObserver>();
    // Captured like any call to the window's own endpoint, so the timeline shows the MTA's
    // calls; the observer's endpoint has no store of its own. The n-th call reported is
    // observation().exchanges[n], the index the checks' evidence names.
    connect(m_observer.get(), &Conform::MtaObserver::exchangeSeen, this,
        [this](const Mock::Exchange &exchange) { capture(exchange, m_seen++); });
    connect(m_observer.get(), &Conform::MtaObserver::finished, this,
        &ConformanceController::onMtaFinished);
    if (!m_observer->listen(settings)) {
        m_dialog->runRefused(tr("Cannot listen on %1:%2: %3")
                                 .arg(settings.address.toString())
                                 .arg(settings.port)
                                 .arg(m_observer->errorString()));
        m_observer.reset();
        return;
    }
    m_dialog->setListening(m_observer->url());
    m_deadline.start(seconds * 1000);
}

void ConformanceController::capture(const Mock::Exchange &exchange, qint64 index)
{
    Mock::Exchange captured = exchange;
    captured.id = 0;
    // In parts: the scanner's 413 probe and an MTA's data calls may carry large messages. Small
    // ones are stored before this returns.
    m_store->saveInParts(
        captured, this, [this, index, run = m_run](const Mock::Exchange &saved, bool stored) {
            if (stored && run == m_run)
                m_dialog->exchangeCaptured(index, saved.id);
        });
}

void ConformanceController::stop()
{
    m_deadline.stop();
    if (m_runner && m_runner->isRunning())
        m_runner->stop();
    if (m_observer && !m_observer->isFinished())
        m_observer->stop(); // finished() at once: scored on what was seen so far
}

void ConformanceController::onMtaFinished()
{
    m_deadline.stop();
    Conform::Report report;
    report.scanner = u"MTA calling "_s + m_observer->url();
    report.results = m_observer->results();
    report.unreachable = m_observer->observation().exchanges.isEmpty();
    for (const Conform::Result &result : std::as_const(report.results))
        m_dialog->addResult(result);
    m_dialog->runFinished(report);
    // The port is let go; not now, in the middle of the observer's own signal.
    m_observer.release()->deleteLater();
}
