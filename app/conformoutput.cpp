// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/conformoutput.h"

#include <QJsonDocument>
#include <QSaveFile>

using namespace Qt::StringLiterals;

void printConformResult(const Conform::Result &result, QTextStream &out, int clauseWidth)
{
    out << Conform::statusName(result.status) << "  "
        << Conform::levelName(result.level).leftJustified(6) << "  "
        << result.clause.leftJustified(clauseWidth) << "  " << result.title << '\n';
    if (!result.detail.isEmpty() && result.status != Conform::Status::Pass)
        out << "      " << result.detail << '\n';
    if (result.status != Conform::Status::Fail)
        return;
    // The evidence, indented under the failure.
    for (const QString &line : Conform::evidenceText(result).split(u'\n'))
        out << "        " << line << '\n';
}

bool finishConformReport(const Conform::Report &report, bool asJson, const QJsonObject &extra,
    const QString &junitPath, const CommandIo &io)
{
    if (asJson) {
        QJsonObject document = Conform::jsonReport(report);
        for (auto it = extra.begin(); it != extra.end(); ++it)
            document.insert(it.key(), it.value());
        *io.out << QJsonDocument(document).toJson(QJsonDocument::Indented);
    } else {
        *io.out << report.count(Conform::Status::Pass) << " passed, "
                << report.count(Conform::Status::Fail) << " failed (" << report.mustFailures()
                << " MUST), " << report.count(Conform::Status::Skip) << " skipped\n";
    }
    io.out->flush();
    if (junitPath.isEmpty())
        return true;
    QSaveFile file(junitPath);
    if (!file.open(QIODevice::WriteOnly) || file.write(Conform::junitXml(report)) < 0
        || !file.commit()) {
        *io.err << "cannot write " << junitPath << ": " << file.errorString() << '\n';
        return false;
    }
    return true;
}
