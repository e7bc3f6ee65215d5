// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"
#include "mock/scanner/endpointcall_p.h"
#include "mock/scanner/heldcall.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <functional>
#include <memory>

class QTimer;

namespace Mock {

// Calls whose answer waits: held for the user (until answered by hand, released or past their
// deadline), delayed, or hanging. Each has one timer and a watch on its connection, and whatever
// comes first ends the wait, once: the answer (detach), the timer (its Expiry runs, and answers
// the call through the endpoint's usual steps, which detach it) or the client closing the
// connection. A call whose client went away is recorded as such and nothing is written to its
// socket later (docs/QT-PITFALLS.md §1a).
class WaitingCalls final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WaitingCalls)

public:
    using Call = std::shared_ptr<EndpointCall>;
    using Expiry = std::function<void(const Call &)>;
    using Record = std::function<void(Exchange &)>;

    // `record` stores an exchange at once: a call as it is parked, and one whose client left.
    explicit WaitingCalls(Record record, QObject *parent = nullptr);
    ~WaitingCalls() override;

    // Parks a call for the user, with its suggested answer already on it: marked held (the
    // exchange held, verdict Held, deadline `timeoutMs` from now), recorded, then announced
    // through callHeld. At the deadline `onDeadline` runs (the stage's default answer).
    void hold(const Call &call, int timeoutMs, Expiry onDeadline);
    // An answer that goes out `ms` from now, through `answer`.
    void delay(const Call &call, qint64 ms, Expiry answer);
    // A call that gets no answer. Normally the MTA gives up and closes the connection; a client
    // that never does would keep the call, its socket and its memory for good, so `giveUp` runs
    // after `limitMs` (the MTA's timeout plus a margin: it has surely given up by then).
    void hang(const Call &call, int limitMs, Expiry giveUp);

    bool isWaiting(qint64 callId) const { return m_waits.contains(callId); }
    // The held call waiting under this id, else null (answered, released, timed out, left).
    Call held(qint64 callId) const;
    QList<HeldCall> heldCalls() const; // by call id
    int count() const { return int(m_waits.size()); }

    // The call is being answered: off the list, its timer and its watch, so that nothing answers
    // it again. Any call may be detached; one that was held is marked so (wasHeld).
    void detach(const Call &call);
    // The endpoint closes: every wait ends, unanswered and unrecorded (the sockets go with it).
    void clear();

Q_SIGNALS:
    void callHeld(const Mock::HeldCall &call);
    // The client closed the connection while its call waited. The exchange says so (status 0,
    // verdict Error, a problem) and is recorded; heldCallEnded comes first for a held call.
    void heldCallEnded(qint64 callId, const Mock::Exchange &exchange);
    void abandoned(const Mock::Exchange &exchange);

private:
    struct Wait
    {
        Call call;
        Expiry expiry;
        QTimer *timer = nullptr;
        QMetaObject::Connection watch; // the connection's disconnected()
    };
    void wait(const Call &call, qint64 ms, Qt::TimerType type, Expiry expiry);
    void expire(qint64 callId);
    void clientLeft(qint64 callId);
    static void end(Wait &wait);

    Record m_record;
    QHash<qint64, Wait> m_waits;
};

} // namespace Mock
