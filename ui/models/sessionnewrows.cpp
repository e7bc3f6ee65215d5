// SPDX-License-Identifier: GPL-3.0-or-later
// Rows that arrived live and have not been looked at: marked like unread mail until the user
// selects them, so that a busy timeline shows what changed since the last look.
#include "ui/models/sessionmodel.h"

#include "ui/models/sessionmodel_p.h"

namespace {

// A timeline left open under load collects new sessions without bound; past this many the
// oldest marks are not worth their memory, and all are dropped at once.
constexpr int MaxNewSessions = 20'000;

} // namespace

void SessionModel::Private::markNew(const Mock::Exchange &e)
{
    if (newSince.contains(e.sessionKey))
        return;
    if (newSince.size() >= MaxNewSessions)
        newSince.clear();
    newSince.insert(e.sessionKey, e.id);
    Q_EMIT q->newSessionCountChanged(int(newSince.size()));
}

bool SessionModel::Private::isNew(const QString &key, qint64 id) const
{
    const auto it = newSince.constFind(key);
    return it != newSince.cend() && id >= *it;
}

void SessionModel::markSeen(const QModelIndex &row)
{
    if (!row.isValid() || row.model() != this)
        return;
    const QString key = row.data(SessionKeyRole).toString();
    if (!d->newSince.remove(key))
        return;
    const QModelIndex session = row.parent().isValid() ? row.parent() : row;
    const int last = ColumnCount - 1;
    const Timeline::Emitting scope(d->emitting);
    Q_EMIT dataChanged(session.siblingAtColumn(0), session.siblingAtColumn(last), {Qt::FontRole});
    if (const int calls = rowCount(session); calls > 0) {
        Q_EMIT dataChanged(
            index(0, 0, session), index(calls - 1, last, session), {Qt::FontRole, IsNewRole});
    }
    Q_EMIT newSessionCountChanged(int(d->newSince.size()));
}

void SessionModel::markAllSeen()
{
    if (d->newSince.isEmpty())
        return;
    d->newSince.clear();
    if (const int rows = rowCount(); rows > 0) {
        const Timeline::Emitting scope(d->emitting);
        Q_EMIT dataChanged(
            index(0, 0), index(rows - 1, ColumnCount - 1), {Qt::FontRole, IsNewRole});
        for (const Timeline::Children &children : d->expanded) {
            if (!children.rows.isEmpty()) {
                Q_EMIT dataChanged(d->childIndex(children, 0, 0),
                    d->childIndex(children, int(children.rows.size()) - 1, ColumnCount - 1),
                    {Qt::FontRole, IsNewRole});
            }
        }
    }
    Q_EMIT newSessionCountChanged(0);
}

int SessionModel::newSessionCount() const
{
    return int(d->newSince.size());
}
