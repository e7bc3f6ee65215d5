// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/calllog.h"

#include "mock/protocol/types.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

CallLog::CallLog(QTextStream &out, bool json, QObject *parent)
    : QObject(parent)
    , m_out(out)
    , m_json(json)
{ }

CallLog::~CallLog()
{
    m_out.flush();
}

void CallLog::print(const Mock::Exchange &exchange)
{
    const QString action = exchange.verdict != Verdict::None ? verdictName(exchange.verdict)
                                                             : actionName(exchange.action);
    if (m_json) {
        const QJsonObject line {
            {u"time"_s, exchange.received.toString(Qt::ISODateWithMs)},
            {u"session"_s, exchange.sessionKey},
            {u"kind"_s, Mock::exchangeKindName(exchange.kind)},
            {u"stage"_s,
                exchange.stageName.isEmpty() ? QJsonValue(QJsonValue::Null)
                                             : QJsonValue(exchange.stageName)},
            {u"dialect"_s,
                exchange.dialect == Dialect::Unknown ? QJsonValue(QJsonValue::Null)
                                                     : QJsonValue(dialectName(exchange.dialect))},
            {u"rule"_s, exchange.ruleName},
            {u"action"_s, action.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(action)},
            {u"status"_s, exchange.httpStatus},
            {u"latencyMs"_s, double(exchange.latencyUs) / 1000.0},
            {u"problems"_s, int(exchange.problems.size())},
            {u"id"_s, double(exchange.id)},
        };
        m_out << QJsonDocument(line).toJson(QJsonDocument::Compact) << '\n';
    } else {
        m_out << localTime(exchange.received) << "  "
              << (exchange.stageName.isEmpty() ? Mock::exchangeKindName(exchange.kind)
                                               : exchange.stageName)
                     .leftJustified(9)
              << ' ' << dialectName(exchange.dialect).leftJustified(9) << ' '
              << QString::number(exchange.httpStatus).rightJustified(3) << ' '
              << action.leftJustified(10) << ' '
              << QString::number(double(exchange.latencyUs) / 1000.0, 'f', 1).rightJustified(7)
              << " ms  " << exchange.ruleName;
        if (!exchange.problems.isEmpty())
            m_out << "  (" << exchange.problems.size() << " problem(s))";
        m_out << "  " << exchange.sessionKey << '\n';
    }
    if (!m_flushQueued) {
        m_flushQueued = true;
        QMetaObject::invokeMethod(this, &CallLog::flush, Qt::QueuedConnection);
    }
}

QString CallLog::localTime(const QDateTime &time)
{
    const qint64 ms = time.toMSecsSinceEpoch();
    if (ms >= m_offsetUntilMs || ms < m_offsetUntilMs - 120'000) {
        m_offsetSeconds = time.toLocalTime().offsetFromUtc();
        m_offsetUntilMs = ms + 60'000; // a change of daylight saving time shows within a minute
    }
    // "HH:mm:ss.zzz" by hand: QDateTime::toString goes through the locale's format parser, a
    // third of this line's cost for every call `serve` prints (issue 12).
    constexpr qint64 DayMs = 86'400'000;
    const qint64 local = ((ms + qint64(m_offsetSeconds) * 1000) % DayMs + DayMs) % DayMs;
    const auto put = [](char16_t *at, qint64 value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            at[i] = char16_t(u'0' + value % 10);
    };
    QString text(12, Qt::Uninitialized);
    char16_t *out = reinterpret_cast<char16_t *>(text.data());
    put(out, local / 3'600'000, 2);
    out[2] = u':';
    put(out + 3, local / 60'000 % 60, 2);
    out[5] = u':';
    put(out + 6, local / 1000 % 60, 2);
    out[8] = u'.';
    put(out + 9, local % 1000, 3);
    return text;
}

void CallLog::flush()
{
    m_flushQueued = false;
    m_out.flush();
}
