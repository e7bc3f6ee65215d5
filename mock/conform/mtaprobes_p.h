// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/mtaobserver.h"
#include "mock/scanner/rule.h"

namespace Conform::Detail {

// The answers `conform --mta` gives on purpose once the faults are done, one after the other, so
// that the MTA's next calls show whether it acted on them (mtachecks_answers.cpp scores that): a
// new envelope sender at mail, an added recipient at the next rcpt; in a later transaction a
// recipient rejected at rcpt; in a later one still a rejected mail. A probe whose stage the MTA
// did not register for is left out.
class AnswerProbes
{
public:
    // The rule for the next call: the probe in turn, when it may be given now.
    QList<Mock::Rule> rules() const;
    // A hook call answered 2xx, at `index` of the observation. `negotiated`: the inbound stages
    // its registration asked for (empty when unknown: all).
    void see(const Mock::Exchange &exchange, qint64 index, MtaObservation &seen,
        const QStringList &negotiated);
    // Every probe given (or left out) and the transaction of the last one over.
    bool done() const;

private:
    bool endsLastTransaction(const Mock::Exchange &exchange) const;

    int m_next = 0; // the probe in turn
    bool m_lastOpen = false; // the last probe's transaction may still go on
    QString m_lastSession;
    QByteArray m_lastRequestId;
    QByteArray m_lastBody;
};

} // namespace Conform::Detail
