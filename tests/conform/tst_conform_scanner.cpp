// SPDX-License-Identifier: GPL-3.0-or-later
// `hookscope conform --scanner` against tests/conform/scanner_double.py: clean, every check
// passes; with one rule broken, exactly the check for that rule fails.
#include "mock/conform/conformreport.h"
#include "mock/conform/conformtarget.h"
#include "tests/conform/conformtest.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QXmlStreamReader>

using namespace Qt::StringLiterals;
using namespace ConformTest;

namespace {

const QString Token = u"conform-double-token"_s;

// The test scanner, optionally with one rule broken.
class ScannerDouble : public Child
{
public:
    explicit ScannerDouble(const QString &breakName = {})
        : Child(QStringLiteral(HOOKSCOPE_PYTHON),
            QStringList {QStringLiteral(HOOKSCOPE_SCANNER_DOUBLE), u"--token"_s, Token}
                + (breakName.isEmpty() ? QStringList {} : QStringList {u"--break"_s, breakName}))
    {
        static const QRegularExpression portLine(u"^(\\d+)\\s"_s);
        port = waitPort(portLine, true);
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1"_s.arg(port)); }
    quint16 port = 0;
};

Conform::Target targetFor(const QUrl &url)
{
    Conform::Target target;
    target.url = url;
    target.auth = u"bearer:"_s + Token;
    target.timeoutMs = 20000;
    return target;
}

quint16 closedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace

class TestConformScanner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tableIsWellFormed();
    void cleanScannerPassesEveryCheck();
    void eachBreakFailsItsCheck_data();
    void eachBreakFailsItsCheck();
    void unreachableScanner();
    void commandReportsAndExitCodes();
    void junitCountsOnlyMustFailures();
    void targetsAreCheckedBeforeSending_data();
    void targetsAreCheckedBeforeSending();
};

void TestConformScanner::tableIsWellFormed()
{
    QSet<QString> ids;
    for (const Conform::Check &check : Conform::allChecks()) {
        QVERIFY2(!ids.contains(check.id), qPrintable(check.id));
        ids.insert(check.id);
        QVERIFY(!check.clause.isEmpty());
        QVERIFY(!check.title.isEmpty());
        QVERIFY(!check.dialects.isEmpty());
        QVERIFY(check.run);
    }
    QVERIFY(Conform::checksFor(MtaHooks::Dialect::Draft01).size() >= 20);
    QCOMPARE(Conform::checksFor(MtaHooks::Dialect::Stalwart).size(), 6);
}

void TestConformScanner::cleanScannerPassesEveryCheck()
{
    ScannerDouble scanner;
    QVERIFY2(scanner.port != 0, scanner.err.constData());
    const QList<Conform::Result> results = runChecks(targetFor(scanner.url()));
    QCOMPARE(results.size(), Conform::checksFor(MtaHooks::Dialect::Draft01).size());
    QVERIFY2(idsWith(results, Conform::Status::Fail).isEmpty(), describe(results).constData());
    // The double offers JSON only; everything else is tested.
    QCOMPARE(idsWith(results, Conform::Status::Skip), QStringList {u"hook.cbor"_s});
    // Every check that sends something shows what it sent and saw.
    const QStringList judgingOnly {
        u"registration.id-syntax"_s, u"registration.negotiated"_s, u"hook.update-properties"_s};
    for (const Conform::Result &result : results)
        QVERIFY2(result.status == Conform::Status::Skip
                || result.evidence.isEmpty() == judgingOnly.contains(result.id),
            qPrintable(result.id));
}

void TestConformScanner::eachBreakFailsItsCheck_data()
{
    QTest::addColumn<QString>("breakName");
    QTest::addColumn<QString>("check");
    const QList<std::pair<QString, QString>> breaks {
        {u"wrong-discovery-field"_s, u"discovery.document"_s},
        {u"registration-no-auth"_s, u"registration.missing-credentials"_s},
        {u"registration-200"_s, u"registration.created"_s},
        {u"registration-bad-id"_s, u"registration.id-syntax"_s},
        {u"negotiated-superset"_s, u"registration.negotiated"_s},
        {u"status-404"_s, u"status.document"_s},
        {u"stage-invalid-answer"_s, u"hook.stage.rcpt"_s},
        {u"touches-non-update-property"_s, u"hook.update-properties"_s},
        {u"no-auth-check"_s, u"hook.missing-credentials"_s},
        {u"wrong-credentials-accepted"_s, u"hook.wrong-credentials"_s},
        {u"no-404"_s, u"hook.unknown-registration"_s},
        {u"no-request-id-check"_s, u"hook.missing-request-id"_s},
        {u"accepts-malformed"_s, u"hook.malformed"_s},
        {u"no-413"_s, u"hook.too-large"_s},
        {u"dedup-differs"_s, u"hook.retry-same-answer"_s},
        {u"dereg-204"_s, u"deregistration.document"_s},
        {u"no-410"_s, u"hook.after-deregistration"_s},
    };
    for (const auto &[name, check] : breaks)
        QTest::newRow(qPrintable(name)) << name << check;
}

void TestConformScanner::eachBreakFailsItsCheck()
{
    QFETCH(QString, breakName);
    QFETCH(QString, check);
    ScannerDouble scanner(breakName);
    QVERIFY2(scanner.port != 0, scanner.err.constData());
    const QList<Conform::Result> results = runChecks(targetFor(scanner.url()));
    QCOMPARE(results.size(), Conform::checksFor(MtaHooks::Dialect::Draft01).size());
    QVERIFY2(idsWith(results, Conform::Status::Fail) == QStringList {check},
        describe(results).constData());
    QCOMPARE(idsWith(results, Conform::Status::Skip), QStringList {u"hook.cbor"_s});
    const auto failed = std::find_if(results.cbegin(), results.cend(),
        [&check](const Conform::Result &r) { return r.id == check; });
    QVERIFY(!failed->detail.isEmpty());
}

void TestConformScanner::unreachableScanner()
{
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    bool unreachable = false;
    const QList<Conform::Result> results
        = runChecks(targetFor(QUrl(u"http://127.0.0.1:%1"_s.arg(port))), &unreachable);
    QVERIFY(unreachable);
    QCOMPARE(results.size(), Conform::checksFor(MtaHooks::Dialect::Draft01).size());
    QCOMPARE(idsWith(results, Conform::Status::Pass), QStringList {});

    Child command(TestSupport::hookscopeBinary(),
        {u"conform"_s, u"--scanner"_s, u"http://127.0.0.1:%1"_s.arg(port), u"--timeout"_s,
            u"5000"_s});
    QCOMPARE(command.waitExit(), 2);
    QVERIFY2(command.err.contains("did not answer"), command.err.constData());
}

void TestConformScanner::commandReportsAndExitCodes()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const int checkCount = int(Conform::checksFor(MtaHooks::Dialect::Draft01).size());
    {
        ScannerDouble scanner;
        QVERIFY(scanner.port != 0);
        const QString junit = dir.filePath(u"clean.xml"_s);
        Child command(TestSupport::hookscopeBinary(),
            {u"conform"_s, u"--scanner"_s, scanner.url().toString(), u"--auth"_s,
                u"bearer:"_s + Token, u"--junit"_s, junit});
        QCOMPARE(command.waitExit(), 0);
        QVERIFY2(
            command.out.contains("PASS  MUST    draft-01 §b.3 Discovery"), command.out.constData());
        const QByteArray summary
            = QByteArray::number(checkCount - 1) + " passed, 0 failed (0 MUST), 1 skipped";
        QVERIFY2(command.out.contains(summary), command.out.constData());

        QFile file(junit);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        int testcases = 0;
        int failures = 0;
        int skipped = 0;
        QString suiteFailures;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == u"testsuite"_s)
                suiteFailures = xml.attributes().value(u"failures"_s).toString();
            testcases += xml.name() == u"testcase"_s;
            failures += xml.name() == u"failure"_s;
            skipped += xml.name() == u"skipped"_s;
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(testcases, checkCount);
        QCOMPARE(failures, 0);
        QCOMPARE(skipped, 1);
        QCOMPARE(suiteFailures, u"0"_s);
    }
    {
        ScannerDouble scanner(u"no-410"_s);
        QVERIFY(scanner.port != 0);
        const QString junit = dir.filePath(u"broken.xml"_s);
        Child command(TestSupport::hookscopeBinary(),
            {u"conform"_s, u"--scanner"_s, scanner.url().toString(), u"--auth"_s,
                u"bearer:"_s + Token, u"--junit"_s, junit, u"--json"_s});
        QCOMPARE(command.waitExit(), 1);
        QJsonParseError error {};
        const QJsonObject report = QJsonDocument::fromJson(command.out, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, command.out.constData());
        QCOMPARE(report.value(u"summary"_s)[u"mustFailures"_s].toInt(), 1);
        QCOMPARE(report.value(u"unreachable"_s).toBool(true), false);
        const QJsonArray results = report.value(u"results"_s).toArray();
        QCOMPARE(results.size(), checkCount);
        QJsonObject failed;
        for (const QJsonValue &result : results) {
            if (result[u"status"_s] == u"FAIL"_s)
                failed = result.toObject();
        }
        QCOMPARE(failed.value(u"id"_s).toString(), u"hook.after-deregistration"_s);
        QCOMPARE(failed.value(u"level"_s).toString(), u"MUST"_s);
        const QJsonArray evidence = failed.value(u"evidence"_s).toArray();
        QCOMPARE(evidence.size(), 1);
        QVERIFY(evidence.at(0)[u"sent"_s].toString().startsWith(u"POST http://127.0.0.1:"_s));
        QVERIFY(evidence.at(0)[u"sent"_s].toString().contains(u"Authorization: Bearer ***"_s));
        QVERIFY(!evidence.at(0)[u"sent"_s].toString().contains(Token));
        QVERIFY(evidence.at(0)[u"seen"_s].toString().startsWith(u"HTTP 404"_s));

        QFile file(junit);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        QString failedCase;
        QString current;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == u"testcase"_s)
                current = xml.attributes().value(u"name"_s).toString();
            if (xml.name() == u"failure"_s)
                failedCase = current;
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY2(
            failedCase.startsWith(u"hook.after-deregistration [MUST]"_s), qPrintable(failedCase));
    }
}

void TestConformScanner::junitCountsOnlyMustFailures()
{
    using Conform::Level;
    using Conform::Status;
    Conform::Report report;
    report.scanner = u"http://127.0.0.1:1"_s;
    report.results = {
        {u"a"_s, u"§1"_s, Level::Must, u"passes"_s, Status::Pass, {}, {{u"GET /"_s, u"HTTP 200"_s}},
            5},
        {u"b"_s, u"§2"_s, Level::Must, u"fails <&>"_s, Status::Fail, u"got 200 & more"_s,
            {{u"POST /x\n\n{\"a\":1}"_s, u"HTTP 200"_s}}, 7},
        {u"c"_s, u"§3"_s, Level::Should, u"should"_s, Status::Fail, u"differs"_s, {}, 1},
        {u"d"_s, u"§4"_s, Level::Must, u"skipped"_s, Status::Skip, u"not offered"_s, {}, 0},
    };
    QCOMPARE(report.mustFailures(), 1);
    QXmlStreamReader xml(Conform::junitXml(report));
    QStringList failed;
    QString current;
    QString suiteFailures;
    QString shouldNote;
    QString failureText;
    int skipped = 0;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == u"testsuite"_s)
            suiteFailures = xml.attributes().value(u"failures"_s).toString();
        if (xml.name() == u"testcase"_s)
            current = xml.attributes().value(u"name"_s).toString();
        if (xml.name() == u"failure"_s) {
            failed << current;
            failureText = xml.readElementText();
        }
        skipped += xml.name() == u"skipped"_s;
        if (xml.name() == u"system-err"_s)
            shouldNote = xml.readElementText();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(suiteFailures, u"1"_s);
    QCOMPARE(failed, QStringList {u"b [MUST] fails <&>"_s});
    QVERIFY(failureText.contains(u"{\"a\":1}"_s));
    QCOMPARE(skipped, 1);
    QCOMPARE(shouldNote, u"SHOULD not met: differs"_s);
}

// The window's dialog and the command check a target in one place; the command names the
// option that is wrong.
void TestConformScanner::targetsAreCheckedBeforeSending_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("dialect");
    QTest::addColumn<QString>("auth");
    QTest::addColumn<int>("field"); // -1: accepted
    QTest::addColumn<QByteArray>("said");
    QTest::newRow("fine") << u"http://127.0.0.1:9"_s << u"draft-02"_s << u"bearer:t"_s << -1
                          << QByteArray();
    QTest::newRow("ftp") << u"ftp://127.0.0.1"_s << u"draft-01"_s << u"none"_s
                         << int(Conform::TargetError::Field::Url)
                         << QByteArray("--scanner needs an http:// or https:// URL");
    QTest::newRow("no host") << u"http://"_s << u"draft-01"_s << u"none"_s
                             << int(Conform::TargetError::Field::Url)
                             << QByteArray("--scanner needs an http:// or https:// URL");
    QTest::newRow("dialect") << u"http://127.0.0.1:9"_s << u"draft-99"_s << u"none"_s
                             << int(Conform::TargetError::Field::Dialect)
                             << QByteArray("unknown dialect: draft-99");
    QTest::newRow("auth") << u"http://127.0.0.1:9"_s << u"draft-01"_s << u"token"_s
                          << int(Conform::TargetError::Field::Auth) << QByteArray("--auth: ");
}

void TestConformScanner::targetsAreCheckedBeforeSending()
{
    QFETCH(QString, url);
    QFETCH(QString, dialect);
    QFETCH(QString, auth);
    QFETCH(int, field);
    QFETCH(QByteArray, said);
    Conform::TargetError error;
    const auto target = Conform::makeTarget({url, dialect, auth}, &error);
    QCOMPARE(target.has_value(), field < 0);
    if (target) {
        QCOMPARE(target->url, QUrl(url));
        QCOMPARE(target->dialect, MtaHooks::Dialect::Draft02);
        QCOMPARE(target->auth, auth);
        return;
    }
    QCOMPARE(int(error.field), field);
    QVERIFY(!error.message.isEmpty());
    Child command(TestSupport::hookscopeBinary(),
        {u"conform"_s, u"--scanner"_s, url, u"--dialect"_s, dialect, u"--auth"_s, auth});
    QCOMPARE(command.waitExit(), 2);
    QVERIFY2(command.err.startsWith(said), command.err.constData());
}

QTEST_GUILESS_MAIN(TestConformScanner)
#include "tst_conform_scanner.moc"
