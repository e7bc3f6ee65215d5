// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/exchange.h"

#include <QDateTime>
#include <QObject>
#include <QTextStream>

// `hookscope serve`'s line per call, as text or JSON. Under load a line per call is a write per
// call and, in text, a local time per call (glibc's tzset looks at /etc/localtime each time):
// lines are flushed once per event-loop pass, so every line is out before the loop waits again,
// and the local UTC offset is looked up once a minute.
class CallLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CallLog)

public:
    CallLog(QTextStream &out, bool json, QObject *parent = nullptr);
    ~CallLog() override;

    void print(const Mock::Exchange &exchange);

private:
    QString jsonLine(const Mock::Exchange &exchange, const QString &action);
    QString isoTime(const QDateTime &time);
    QString localTime(const QDateTime &time);
    void flush();

    QTextStream &m_out;
    bool m_json = false;
    bool m_flushQueued = false;
    int m_offsetSeconds = 0;
    qint64 m_offsetUntilMs = 0; // m_offsetSeconds holds until then
    qint64 m_isoDay = 0; // days since 1970 of m_isoDate
    QString m_isoDate; // "yyyy-MM-ddT"
};
