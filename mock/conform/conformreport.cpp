// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/conformreport.h"

#include <QJsonArray>
#include <QXmlStreamWriter>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Conform {

int Report::count(Status status) const
{
    return int(std::count_if(results.cbegin(), results.cend(),
        [status](const Result &r) { return r.status == status; }));
}

int Report::mustFailures() const
{
    return int(std::count_if(results.cbegin(), results.cend(),
        [](const Result &r) { return r.status == Status::Fail && r.level == Level::Must; }));
}

qint64 Report::elapsedMs() const
{
    qint64 total = 0;
    for (const Result &result : results)
        total += result.elapsedMs;
    return total;
}

QString evidenceText(const Result &result)
{
    QStringList parts;
    for (const Evidence &evidence : result.evidence)
        parts << u">>> sent\n"_s + evidence.sent.trimmed() + u"\n<<< seen\n"_s
                + evidence.seen.trimmed();
    return parts.join(u"\n\n"_s);
}

QByteArray junitXml(const Report &report)
{
    QByteArray xml;
    QXmlStreamWriter writer(&xml);
    writer.setAutoFormatting(true);
    writer.writeStartDocument();
    writer.writeStartElement(u"testsuites"_s);
    writer.writeStartElement(u"testsuite"_s);
    writer.writeAttribute(u"name"_s, u"hookscope conform %1"_s.arg(report.scanner));
    writer.writeAttribute(u"tests"_s, QString::number(report.results.size()));
    writer.writeAttribute(u"failures"_s, QString::number(report.mustFailures()));
    writer.writeAttribute(u"errors"_s, QString::number(report.unreachable ? 1 : 0));
    writer.writeAttribute(u"skipped"_s, QString::number(report.count(Status::Skip)));
    writer.writeAttribute(u"time"_s, QString::number(double(report.elapsedMs()) / 1000.0, 'f', 3));
    writer.writeStartElement(u"properties"_s);
    writer.writeStartElement(u"property"_s);
    writer.writeAttribute(u"name"_s, u"dialect"_s);
    writer.writeAttribute(u"value"_s, MtaHooks::dialectName(report.dialect));
    writer.writeEndElement();
    writer.writeEndElement();
    for (const Result &result : report.results) {
        writer.writeStartElement(u"testcase"_s);
        writer.writeAttribute(u"classname"_s, result.clause);
        writer.writeAttribute(
            u"name"_s, u"%1 [%2] %3"_s.arg(result.id, levelName(result.level), result.title));
        writer.writeAttribute(
            u"time"_s, QString::number(double(result.elapsedMs) / 1000.0, 'f', 3));
        const QString evidence = evidenceText(result);
        if (result.status == Status::Fail && result.level == Level::Must) {
            writer.writeStartElement(u"failure"_s);
            writer.writeAttribute(u"message"_s, result.detail);
            writer.writeAttribute(u"type"_s, levelName(result.level));
            writer.writeCharacters(evidence);
            writer.writeEndElement();
        } else if (result.status == Status::Skip) {
            writer.writeStartElement(u"skipped"_s);
            writer.writeAttribute(u"message"_s, result.detail);
            writer.writeEndElement();
        } else if (!evidence.isEmpty()) {
            writer.writeTextElement(u"system-out"_s, evidence);
        }
        if (result.status == Status::Fail && result.level == Level::Should)
            writer.writeTextElement(u"system-err"_s, u"SHOULD not met: "_s + result.detail);
        writer.writeEndElement();
    }
    writer.writeEndElement();
    writer.writeEndElement();
    writer.writeEndDocument();
    return xml;
}

QJsonObject jsonReport(const Report &report)
{
    QJsonArray results;
    for (const Result &result : report.results) {
        QJsonArray evidence;
        for (const Evidence &exchange : result.evidence)
            evidence.append(QJsonObject {{u"sent"_s, exchange.sent}, {u"seen"_s, exchange.seen}});
        results.append(QJsonObject {{u"id"_s, result.id}, {u"clause"_s, result.clause},
            {u"level"_s, levelName(result.level)}, {u"title"_s, result.title},
            {u"status"_s, statusName(result.status)}, {u"detail"_s, result.detail},
            {u"elapsedMs"_s, double(result.elapsedMs)}, {u"evidence"_s, evidence}});
    }
    return QJsonObject {{u"scanner"_s, report.scanner},
        {u"dialect"_s, MtaHooks::dialectName(report.dialect)},
        {u"unreachable"_s, report.unreachable},
        {u"summary"_s,
            QJsonObject {{u"pass"_s, report.count(Status::Pass)},
                {u"fail"_s, report.count(Status::Fail)}, {u"skip"_s, report.count(Status::Skip)},
                {u"mustFailures"_s, report.mustFailures()}}},
        {u"results"_s, results}};
}

} // namespace Conform
