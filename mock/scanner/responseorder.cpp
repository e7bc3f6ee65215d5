// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/responseorder_p.h"

namespace Mock {

ResponseOrder::ResponseOrder(QObject *parent)
    : QObject(parent)
{ }

ResponseOrder::~ResponseOrder() = default;

quint64 ResponseOrder::take(QObject *connection)
{
    auto line = m_lines.find(connection);
    if (line == m_lines.end()) {
        line = m_lines.insert(connection, Line());
        connect(connection, &QObject::destroyed, this,
            [this, connection] { m_lines.remove(connection); });
    }
    return line->nextTicket++;
}

void ResponseOrder::ready(QObject *connection, quint64 ticket, const Send &send)
{
    auto line = m_lines.find(connection);
    if (line == m_lines.end())
        return;
    line->ready.insert(ticket, send);
    for (;;) {
        // Looked up again each time: a send may have forgotten the connection (a reset).
        line = m_lines.find(connection);
        if (line == m_lines.end() || line->ready.isEmpty()
            || line->ready.firstKey() != line->nextToSend)
            return;
        const Send next = line->ready.take(line->nextToSend);
        ++line->nextToSend;
        next();
    }
}

void ResponseOrder::forget(QObject *connection)
{
    m_lines.remove(connection);
}

void ResponseOrder::clear()
{
    m_lines.clear();
}

int ResponseOrder::waiting(QObject *connection) const
{
    const auto line = m_lines.constFind(connection);
    return line == m_lines.cend() ? 0 : int(line->ready.size());
}

} // namespace Mock
