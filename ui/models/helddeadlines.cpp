// SPDX-License-Identifier: GPL-3.0-or-later
// Held calls count down to their deadline in the action column: the deadlines, the sessions they
// belong to, and the one-second tick that redraws the countdowns.
#include "ui/models/sessionmodel.h"

#include "ui/models/sessionmodel_p.h"

using Timeline::Children;
using Timeline::Emitting;

std::optional<QDateTime> SessionModel::Private::sessionDeadline(const QString &key) const
{
    std::optional<QDateTime> earliest;
    for (auto it = deadlineKeys.cbegin(); it != deadlineKeys.cend(); ++it) {
        if (it.value() != key)
            continue;
        const auto deadline = deadlines.constFind(it.key());
        if (deadline != deadlines.cend() && (!earliest || *deadline < *earliest))
            earliest = *deadline;
    }
    return earliest;
}

void SessionModel::Private::emitCountdownChanged(qint64 id, QSet<qint64> *sessionRowsDone)
{
    const Emitting scope(emitting);
    const auto key = deadlineKeys.constFind(id);
    if (key == deadlineKeys.cend())
        return;
    if (const Children *children = childrenOfKey(*key)) {
        const int position = childPosition(*children, id);
        if (position >= 0) {
            const QModelIndex cell = childIndex(*children, position, ActionColumn);
            Q_EMIT q->dataChanged(cell, cell, {Qt::DisplayRole});
        }
    }
    const qint64 row = rowOfKey(*key);
    if (row >= 0 && (!sessionRowsDone || !sessionRowsDone->contains(row))) {
        if (sessionRowsDone)
            sessionRowsDone->insert(row);
        const QModelIndex cell = sessionIndex(row, ActionColumn);
        Q_EMIT q->dataChanged(cell, cell, {Qt::DisplayRole});
    }
}

void SessionModel::Private::onTick()
{
    QSet<qint64> sessionRows;
    const QList<qint64> ids = deadlines.keys();
    for (const qint64 id : ids)
        emitCountdownChanged(id, &sessionRows);
}

void SessionModel::setHeldDeadline(qint64 exchangeId, const QDateTime &deadline)
{
    d->deadlines.insert(exchangeId, deadline);
    if (!d->deadlineKeys.contains(exchangeId)) {
        for (const Children &children : std::as_const(d->expanded)) {
            if (d->childPosition(children, exchangeId) >= 0)
                d->deadlineKeys.insert(exchangeId, children.key);
        }
    }
    if (!d->ticker.isActive())
        d->ticker.start();
    d->emitCountdownChanged(exchangeId, nullptr);
}

void SessionModel::clearHeldDeadline(qint64 exchangeId)
{
    if (!d->deadlines.remove(exchangeId))
        return;
    d->emitCountdownChanged(exchangeId, nullptr);
    d->deadlineKeys.remove(exchangeId);
    if (d->deadlines.isEmpty())
        d->ticker.stop();
}
