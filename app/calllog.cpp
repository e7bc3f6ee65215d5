// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/calllog.h"

#include "mock/protocol/types.h"

#include <QDate>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

CallLog::CallLog(QTextStream &out, bool json, QObject *parent)
    : QObject(parent)
    , m_out(out)
    , m_json(json)
{ }

namespace {

// A JSON string as QJsonDocument writes it (RFC 8259 §7; control characters as \u00XX).
void appendJsonString(QString &out, QStringView text)
{
    out += u'"';
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u >= 0x20 && u != u'"' && u != u'\\') {
            out += c;
            continue;
        }
        out += u'\\';
        switch (u) {
        case u'"':
            out += u'"';
            break;
        case u'\\':
            out += u'\\';
            break;
        case u'\b':
            out += u'b';
            break;
        case u'\f':
            out += u'f';
            break;
        case u'\n':
            out += u'n';
            break;
        case u'\r':
            out += u'r';
            break;
        case u'\t':
            out += u't';
            break;
        default:
            out += u"u00";
            out += QChar(u"0123456789abcdef"[u >> 4]);
            out += QChar(u"0123456789abcdef"[u & 0xf]);
        }
    }
    out += u'"';
}

void appendMember(QString &out, QLatin1StringView key)
{
    out += out.size() > 1 ? u",\""_s : u"\""_s;
    out += key;
    out += u"\":"_s;
}

void appendText(QString &out, QLatin1StringView key, const QString &value)
{
    appendMember(out, key);
    appendJsonString(out, value);
}

void appendTextOrNull(QString &out, QLatin1StringView key, const QString &value)
{
    appendMember(out, key);
    if (value.isEmpty())
        out += u"null"_s;
    else
        appendJsonString(out, value);
}

void appendNumber(QString &out, QLatin1StringView key, double value)
{
    appendMember(out, key);
    // As QJsonDocument writes a double: a whole one up to 2^53 as an integer (QJsonValue keeps it
    // as one), where the shortest form alone would give "1e+05" for call 100000, which readers
    // that want an integer refuse; any other in the shortest form.
    constexpr double Exact = 9007199254740992.0; // 2^53
    if (std::trunc(value) == value && std::abs(value) <= Exact) {
        out += QString::number(qint64(value));
        return;
    }
    out += QString::fromLatin1(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
}

void appendInteger(QString &out, QLatin1StringView key, qint64 value)
{
    appendMember(out, key);
    out += QString::number(value);
}

} // namespace

CallLog::~CallLog()
{
    m_out.flush();
}

void CallLog::print(const Mock::Exchange &exchange)
{
    const QString action = exchange.verdict != Verdict::None ? verdictName(exchange.verdict)
                                                             : actionName(exchange.action);
    if (m_json) {
        m_out << jsonLine(exchange, action) << '\n';
    } else {
        // One string, one write to the stream: each << on a QTextStream has a cost of its own.
        const auto padded = [](QString &out, const QString &text, qsizetype width, bool left) {
            const qsizetype fill = qMax<qsizetype>(0, width - text.size());
            if (!left)
                out += QString(fill, u' ');
            out += text;
            if (left)
                out += QString(fill, u' ');
        };
        QString line;
        line.reserve(128);
        line += localTime(exchange.received);
        line += u"  "_s;
        padded(line,
            exchange.stageName.isEmpty() ? Mock::exchangeKindName(exchange.kind)
                                         : exchange.stageName,
            9, true);
        line += u' ';
        padded(line, dialectName(exchange.dialect), 9, true);
        line += u' ';
        padded(line, QString::number(exchange.httpStatus), 3, false);
        line += u' ';
        padded(line, action, 10, true);
        line += u' ';
        padded(line, QString::number(double(exchange.latencyUs) / 1000.0, 'f', 1), 7, false);
        line += u" ms  "_s;
        line += exchange.ruleName;
        if (!exchange.problems.isEmpty())
            line += u"  (%1 problem(s))"_s.arg(exchange.problems.size());
        line += u"  "_s;
        line += exchange.sessionKey;
        line += u'\n';
        m_out << line;
    }
    if (!m_flushQueued) {
        m_flushQueued = true;
        QMetaObject::invokeMethod(this, &CallLog::flush, Qt::QueuedConnection);
    }
}

// The line QJsonDocument would write for the same members (its keys are sorted), without building
// the object: a QJsonObject of eleven members and its serialisation cost more than the rest of
// what `serve --json` does per call beyond deciding it (issue 12).
QString CallLog::jsonLine(const Mock::Exchange &exchange, const QString &action)
{
    QString out;
    out.reserve(256);
    out += u'{';
    appendTextOrNull(out, "action"_L1, action);
    appendTextOrNull(out, "dialect"_L1,
        exchange.dialect == Dialect::Unknown ? QString() : dialectName(exchange.dialect));
    appendNumber(out, "id"_L1, double(exchange.id));
    appendText(out, "kind"_L1, Mock::exchangeKindName(exchange.kind));
    appendNumber(out, "latencyMs"_L1, double(exchange.latencyUs) / 1000.0);
    appendInteger(out, "problems"_L1, exchange.problems.size());
    appendText(out, "rule"_L1, exchange.ruleName);
    appendText(out, "session"_L1, exchange.sessionKey);
    appendTextOrNull(out, "stage"_L1, exchange.stageName);
    appendInteger(out, "status"_L1, exchange.httpStatus);
    appendText(out, "time"_L1, isoTime(exchange.received));
    out += u'}';
    return out;
}

// Qt::ISODateWithMs of a UTC time ("2026-03-04T10:20:30.123Z"), the date looked up once a day.
QString CallLog::isoTime(const QDateTime &time)
{
    if (!time.isValid() || time.timeSpec() != Qt::UTC)
        return time.toString(Qt::ISODateWithMs);
    constexpr qint64 DayMs = 86'400'000;
    const qint64 ms = time.toMSecsSinceEpoch();
    const qint64 day = ms >= 0 ? ms / DayMs : (ms - DayMs + 1) / DayMs;
    if (day != m_isoDay || m_isoDate.isEmpty()) {
        const QDate date = QDate(1970, 1, 1).addDays(day);
        if (date.year() < 0 || date.year() > 9999)
            return time.toString(Qt::ISODateWithMs);
        m_isoDay = day;
        m_isoDate = date.toString(Qt::ISODate) + u'T';
    }
    const qint64 inDay = ms - day * DayMs;
    QString text = m_isoDate;
    const auto put = [&text](qint64 value, int digits) {
        QChar buffer[3];
        for (int i = digits - 1; i >= 0; --i, value /= 10)
            buffer[i] = QChar(char16_t(u'0' + value % 10));
        text.append(buffer, digits);
    };
    put(inDay / 3'600'000, 2);
    text += u':';
    put(inDay / 60'000 % 60, 2);
    text += u':';
    put(inDay / 1000 % 60, 2);
    text += u'.';
    put(inDay % 1000, 3);
    text += u'Z';
    return text;
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
