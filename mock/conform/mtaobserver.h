// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/conform/conformcheck.h"
#include "mock/scanner/endpointsettings.h"

#include <QObject>

#include <memory>

// `hookscope conform --mta`: a scanner that waits for an MTA, answers some of its calls with
// faults on purpose and records what the MTA does next, for the checks of mtachecks.h to score.
namespace Conform {

// Which calls are answered with faults. A call's number is one more than the number of hook
// calls answered 2xx before it (so a retry keeps its number), from 1; 0 turns the fault off.
struct MtaFaultPlan
{
    int retryFaultAtCall = 1; // this call is answered 503 with Retry-After: retryAfterSeconds
    int retryAfterSeconds = 1;
    // This call is answered 404 REGISTRATION_NOT_FOUND (the registration stays: only the MTA is
    // told it is gone).
    int notFoundAtCall = 2;
    // Once this many calls were answered (and the answer probes were given), the MTA's
    // registration is deregistered: its next call is answered 410 REGISTRATION_DEREGISTERED.
    int deregisterAfterCalls = 3;
    // After the faults, answers the MTA should act on (mtaprobes_p.h), each probe on the first
    // call of its stage, the later ones in transactions of their own: a new envelope sender at
    // mail, an added recipient at rcpt, a rejected recipient, a rejected mail.
    bool answerProbes = true;
    // The probes wait at most this many more answered calls for their stages; then the
    // registration is ended all the same.
    int probeCallLimit = 40;
    // After a 410, how long the MTA is watched for calls it should no longer make.
    int quietMs = 2000;
    // An MTA that never stops (or a flood posing as one) is watched for this many calls at the
    // most, each kept with its bodies: then the observation ends and is scored as it stands.
    int maxCalls = 20'000;
};

// What was seen: every call in arrival order, and what the fault plan did.
struct MtaObservation
{
    QList<Mock::Exchange> exchanges;
    qint64 retryFaultExchange = -1; // index of the call answered 503
    qint64 notFoundExchange = -1; // index of the call answered 404
    QString deregisteredId; // the registration the plan ended
    qint64 goneExchange = -1; // index of the first call answered 410
    // The answer probes: the index of the call answered so, -1 when none was.
    qint64 senderChangeExchange = -1; // mail: envelope.from changed to changedSenderAddress()
    qint64 recipientAddExchange = -1; // rcpt: addedRecipientAddress() added to envelope.to
    qint64 recipientRejectExchange = -1; // rcpt: reject (the recipient it was about)
    qint64 mailRejectExchange = -1; // mail: reject
    bool callLimitReached = false; // ended at MtaFaultPlan::maxCalls
};

// The addresses the answer probes put into the envelope.
QString changedSenderAddress();
QString addedRecipientAddress();

class MtaObserver final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MtaObserver)

public:
    explicit MtaObserver(QObject *parent = nullptr);
    ~MtaObserver() override;

    void setPlan(const MtaFaultPlan &plan);
    // Listens with these settings (address, port, auth); false with errorString() otherwise.
    bool listen(const Mock::EndpointSettings &settings);
    QString url() const;
    QString errorString() const;
    // Ends the observation: finished() comes once, now or when the MTA is done.
    void stop();
    bool isFinished() const;

    const MtaObservation &observation() const;
    QList<Result> results() const; // every check of mtaChecks(), scored on the observation

Q_SIGNALS:
    void exchangeSeen(const Mock::Exchange &exchange);
    // The MTA deregistered, or stayed quiet after the 410, or stop() was called.
    void finished();

private:
    void onExchange(const Mock::Exchange &exchange);
    void armFaultFor(int call);
    void deregisterWhenDue(const Mock::Exchange &exchange);
    void finish();

    struct Private;
    std::unique_ptr<Private> d;
};

// One check on what an MTA did: its clause, level and how it reads the observation.
struct MtaCheck
{
    QString id;
    QString clause;
    Level level = Level::Must;
    QString title;
    // Ends `result` (status, detail, evidence) from the observation.
    std::function<void(const MtaObservation &, Result &)> score;
};

const QList<MtaCheck> &mtaChecks();
QList<Result> scoreMta(const MtaObservation &observation);

// An exchange of the observation as evidence: the request as sent, the answer as seen, and its
// index in observation.exchanges (-1 when `exchange` is not one of them).
Evidence evidenceOf(const MtaObservation &observation, const Mock::Exchange &exchange);

} // namespace Conform
