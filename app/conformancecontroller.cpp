// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/conformancecontroller.h"

#include "mock/capture/capturestore.h"
#include "mock/conform/conformreport.h"
#include "mock/conform/conformrunner.h"
#include "mock/conform/mtaobserver.h"
#include "ui/conformancedialog.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace {

QString evidenceKey(const Conform::Evidence &evidence)
{
    return evidence.sent + u'\0' + evidence.seen;
}

} // namespace

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
    m_runner = std::make_unique<Conform::Runner>();
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
    m_captured.clear();
    m_observer = std::make_unique<Conform::MtaObserver>();
    connect(m_observer.get(), &Conform::MtaObserver::exchangeSeen, this,
        &ConformanceController::onExchangeSeen);
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

void ConformanceController::onExchangeSeen(const Mock::Exchange &exchange)
{
    // Captured like any call to the window's own endpoint, so the timeline shows the MTA's
    // calls; the observer's endpoint has no store of its own.
    Mock::Exchange captured = exchange;
    captured.id = 0;
    m_captured.append(m_store->save(captured) ? captured.id : 0);
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
    const QHash<QString, qint64> captured = capturedByEvidence();
    for (const Conform::Result &result : std::as_const(report.results)) {
        QList<qint64> ids;
        for (const Conform::Evidence &evidence : result.evidence) {
            const qint64 id = captured.value(evidenceKey(evidence));
            if (id > 0 && !ids.contains(id))
                ids.append(id);
        }
        m_dialog->addResult(result, ids);
    }
    m_dialog->runFinished(report);
    // The port is let go; not now, in the middle of the observer's own signal.
    m_observer.release()->deleteLater();
}

QHash<QString, qint64> ConformanceController::capturedByEvidence() const
{
    // The checks quote exchanges as text (Conform::evidenceOf): the same text names the exchange.
    const QList<Mock::Exchange> &seen = m_observer->observation().exchanges;
    QHash<QString, qint64> byText;
    for (qsizetype i = 0; i < seen.size() && i < m_captured.size(); ++i) {
        const QString key = evidenceKey(Conform::evidenceOf(seen.at(i)));
        if (m_captured.at(i) > 0 && !byText.contains(key))
            byText.insert(key, m_captured.at(i));
    }
    return byText;
}
