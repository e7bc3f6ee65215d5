// SPDX-License-Identifier: GPL-3.0-or-later
// Mock::readRecordings, the one reader of recordings: session files, HAR captures and raw
// messages, each file on its own (what cannot be read is reported per file and the rest is still
// read), hostile files stopped by the protocol's file limits. The HAR and JSON written here are
// written by hand from the protocol reference (§b.1) and HAR 1.2, not by Hookscope's writers.
#include "mock/capture/sessionfile.h"
#include "mock/mta/recordings.h"
#include "tests/mta/mtatest.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::RecordingError;
using Mock::RecordingFormat;
using Mock::RecordingOptions;
using Mock::Recordings;
using Mock::SessionRecording;

Q_DECLARE_METATYPE(Mock::RecordingError::Kind)
Q_DECLARE_METATYPE(Mock::RecordingFormat)

namespace {

// A Stalwart connect or ehlo request (protocol reference §b.1) from client 203.0.113.<host>.
QByteArray stalwartRequest(const char *stage, int host, int port)
{
    const bool ehlo = qstrcmp(stage, "ehlo") == 0;
    return QByteArray(R"({"context":{"stage":")") + stage + R"(","client":{"ip":"203.0.113.)"
        + QByteArray::number(host) + R"(","port":)" + QByteArray::number(port) + R"(,"ptr":)"
        + (ehlo ? R"("mx.example.org")" : "null") + R"(,"helo":)"
        + (ehlo ? R"("mx.example.org")" : "null")
        + R"(,"activeConnections":1},"server":{"name":"Stalwart v0.16.19","port":25,)"
          R"("ip":"198.51.100.2"},"protocol":{"version":1}}})";
}

// One HAR 1.2 entry (log.entries[]): a hook call and Stalwart's accept.
QJsonObject harEntry(const QByteArray &requestBody, const QString &started)
{
    const QJsonArray jsonType {
        QJsonObject {{u"name"_s, u"Content-Type"_s}, {u"value"_s, u"application/json"_s}}};
    const QJsonObject request {{u"method"_s, u"POST"_s},
        {u"url"_s, u"http://127.0.0.1:8025/hook"_s}, {u"httpVersion"_s, u"HTTP/1.1"_s},
        {u"headers"_s, jsonType}, {u"queryString"_s, QJsonArray()}, {u"cookies"_s, QJsonArray()},
        {u"headersSize"_s, -1}, {u"bodySize"_s, -1},
        {u"postData"_s,
            QJsonObject {{u"mimeType"_s, u"application/json"_s},
                {u"text"_s, QString::fromUtf8(requestBody)}}}};
    const QJsonObject response {{u"status"_s, 200}, {u"statusText"_s, u"OK"_s},
        {u"httpVersion"_s, u"HTTP/1.1"_s}, {u"headers"_s, jsonType}, {u"cookies"_s, QJsonArray()},
        {u"content"_s,
            QJsonObject {{u"size"_s, 19}, {u"mimeType"_s, u"application/json"_s},
                {u"text"_s, u"{\"action\":\"accept\"}"_s}}},
        {u"redirectURL"_s, QString()}, {u"headersSize"_s, -1}, {u"bodySize"_s, -1}};
    return {{u"startedDateTime"_s, started}, {u"time"_s, 1.5}, {u"request"_s, request},
        {u"response"_s, response}, {u"cache"_s, QJsonObject()},
        {u"timings"_s, QJsonObject {{u"send"_s, 0}, {u"wait"_s, 1.5}, {u"receive"_s, 0}}}};
}

// Two SMTP sessions: 203.0.113.7:50412 (connect, ehlo) and 203.0.113.8:50413 (connect).
QByteArray twoSessionHar()
{
    const QJsonArray entries {
        harEntry(stalwartRequest("connect", 7, 50412), u"2026-10-02T09:15:00.000Z"_s),
        harEntry(stalwartRequest("connect", 8, 50413), u"2026-10-02T09:15:00.100Z"_s),
        harEntry(stalwartRequest("ehlo", 7, 50412), u"2026-10-02T09:15:00.200Z"_s)};
    const QJsonObject log {{u"version"_s, u"1.2"_s},
        {u"creator"_s, QJsonObject {{u"name"_s, u"hand"_s}, {u"version"_s, u"1"_s}}},
        {u"entries"_s, entries}};
    return QJsonDocument(QJsonObject {{u"log"_s, log}}).toJson();
}

// A minimal session file (docs/session-format.md) with one session of one connect stage.
QByteArray sessionFileText(const QString &id, const QString &title, const QString &dialect)
{
    return QStringLiteral(R"({"format":"hookscope-session","version":1,"sessions":[{"id":"%1",)"
                          R"("title":"%2","dialect":"%3",)"
                          R"("client":{"ip":"192.0.2.1","port":40001,"ptr":null,"ehlo":null},)"
                          R"("tls":null,"auth":null,)"
                          R"("server":{"name":"mx.example.net","ip":"192.0.2.25","port":25},)"
                          R"("envelope":null,"message":null,"stages":[{"stage":"connect"}]}]})")
        .arg(id, title, dialect)
        .toUtf8();
}

QString reasons(const Recordings &read)
{
    QStringList texts;
    for (const RecordingError &error : read.errors)
        texts << error.text();
    return texts.join(u'\n');
}

} // namespace

class TestRecordings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void sessionFile();
    void har();
    void messageWithEnvelope();
    void messageEnvelopeFromHeaders();
    void messageWithoutEnvelope();
    void nullSender();
    void aMixInPathOrder();
    void badFilesAreReportedPerFile_data();
    void badFilesAreReportedPerFile();
    void otherSuffixesByContent_data();
    void otherSuffixesByContent();
    void jsonFileNamingALogIsASessionFile();
    void formatGivenOverridesTheName();
    void resources();
    void deeplyNestedJsonStopsAtTheLimit_data();
    void deeplyNestedJsonStopsAtTheLimit();
    void hugeFiles();
    void nothingToRead();

private:
    QString write(const QString &name, const QByteArray &bytes);

    QTemporaryDir m_dir;
};

QString TestRecordings::write(const QString &name, const QByteArray &bytes)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size())
        qWarning("cannot write %s", qPrintable(path));
    return path;
}

void TestRecordings::sessionFile()
{
    const QString path = MtaTest::fixturePath(u"sessions/submission.json"_s);
    const Recordings read = Mock::readRecordings({path});
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QCOMPARE(read.sessions.size(), 1);
    QCOMPARE(read.sessions.constFirst().dialect, Dialect::Draft01);
    QCOMPARE(read.sessions.constFirst().id, MtaTest::session(u"submission.json"_s).id);
    QCOMPARE(read.files.size(), 1);
    QCOMPARE(read.files.constFirst().path, path);
    QCOMPARE(read.files.constFirst().format, RecordingFormat::SessionFile);
    QCOMPARE(read.files.constFirst().firstSession, 0);
    QCOMPARE(read.files.constFirst().sessionCount, 1);
}

void TestRecordings::har()
{
    const Recordings read = Mock::readRecordings({write(u"two.har"_s, twoSessionHar())});
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QCOMPARE(read.files.constFirst().format, RecordingFormat::Har);
    // Regrouped by SMTP client, in the order each session first appears.
    QCOMPARE(read.sessions.size(), 2);
    const SessionRecording &first = read.sessions.at(0);
    QCOMPARE(first.dialect, Dialect::Stalwart);
    QCOMPARE(first.client.ip, u"203.0.113.7"_s);
    QCOMPARE(first.client.port, 50412);
    QCOMPARE(first.stages.size(), 2);
    QCOMPARE(first.stages.at(1).stage, Stage::Ehlo);
    QCOMPARE(first.exchanges.size(), 2); // the captured calls come along (import keeps them)
    QCOMPARE(read.sessions.at(1).client.ip, u"203.0.113.8"_s);
    QCOMPARE(read.sessions.at(1).stages.size(), 1);
}

void TestRecordings::messageWithEnvelope()
{
    RecordingOptions options;
    options.mailFrom = u"a@example.org"_s;
    options.recipients = {u"b@example.com"_s, u"c@example.com"_s};
    const Recordings read
        = Mock::readRecordings({MtaTest::fixturePath(u"plain-lf.eml"_s)}, options);
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QCOMPARE(read.files.constFirst().format, RecordingFormat::Message);
    QCOMPARE(read.sessions.size(), 1);
    const SessionRecording &session = read.sessions.constFirst();
    QCOMPARE(session.title, u"plain-lf.eml"_s);
    QCOMPARE(session.dialect, Dialect::Unknown); // a message records no dialect
    QCOMPARE(session.envelope.from.address, u"a@example.org"_s);
    QCOMPARE(session.envelope.recipients(), options.recipients);
    QList<Stage> stages;
    for (const Mock::SessionStage &stage : session.stages)
        stages << stage.stage;
    QCOMPARE(stages,
        (QList<Stage> {
            Stage::Connect, Stage::Ehlo, Stage::Mail, Stage::Rcpt, Stage::Rcpt, Stage::Data}));
    // As SMTP carries it: CRLF line ends.
    QVERIFY(session.hasMessage);
    QCOMPARE(session.rawMessage, MtaTest::fixture(u"plain.eml"_s));
}

void TestRecordings::messageEnvelopeFromHeaders()
{
    RecordingOptions options;
    options.envelopeFromHeaders = true;
    const Recordings read = Mock::readRecordings({MtaTest::fixturePath(u"plain.eml"_s)}, options);
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    const SessionRecording &session = read.sessions.constFirst();
    QCOMPARE(session.envelope.from.address, u"mallory@example.org"_s);
    QCOMPARE(session.envelope.recipients(),
        (QStringList {u"trent@example.com"_s, u"peggy@example.com"_s}));

    // What is given wins; only what is missing comes from the headers.
    options.mailFrom = u"bounce@example.net"_s;
    const Recordings given = Mock::readRecordings({MtaTest::fixturePath(u"plain.eml"_s)}, options);
    QCOMPARE(given.sessions.constFirst().envelope.from.address, u"bounce@example.net"_s);
    QCOMPARE(given.sessions.constFirst().envelope.recipients().size(), 2);

    // A message without From and To gets the placeholders the import always used.
    options.mailFrom.reset();
    const Recordings bare = Mock::readRecordings(
        {write(u"bare.eml"_s, "Subject: nothing else\r\n\r\nbody\r\n")}, options);
    QVERIFY2(bare.errors.isEmpty(), qPrintable(reasons(bare)));
    QCOMPARE(bare.sessions.constFirst().envelope.from.address, u"sender@example.org"_s);
    QCOMPARE(
        bare.sessions.constFirst().envelope.recipients(), QStringList {u"recipient@example.org"_s});
}

void TestRecordings::messageWithoutEnvelope()
{
    const QString path = MtaTest::fixturePath(u"plain.eml"_s);
    RecordingOptions options;
    const Recordings none = Mock::readRecordings({path}, options);
    QVERIFY(none.sessions.isEmpty());
    QCOMPARE(none.errors.size(), 1);
    QCOMPARE(none.errors.constFirst().kind, RecordingError::Kind::NoEnvelope);
    QCOMPARE(none.errors.constFirst().path, path);
    QVERIFY2(none.errors.constFirst().text().startsWith(path + u": "_s),
        qPrintable(none.errors.constFirst().text()));
    // A sender without a recipient is not an envelope either.
    options.mailFrom = u"a@example.org"_s;
    const Recordings noRecipient = Mock::readRecordings({path}, options);
    QCOMPARE(noRecipient.errors.size(), 1);
    QCOMPARE(noRecipient.errors.constFirst().kind, RecordingError::Kind::NoEnvelope);
}

void TestRecordings::nullSender()
{
    RecordingOptions options;
    options.mailFrom = QString(); // given, and empty: MAIL FROM:<>
    options.recipients = {u"b@example.com"_s};
    const Recordings read = Mock::readRecordings({MtaTest::fixturePath(u"plain.eml"_s)}, options);
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QVERIFY(read.sessions.constFirst().envelope.from.isNullSender);
}

void TestRecordings::aMixInPathOrder()
{
    RecordingOptions options;
    options.mailFrom = u"a@example.org"_s;
    options.recipients = {u"b@example.com"_s};
    const QStringList paths {
        MtaTest::fixturePath(u"sessions/inbound-mx.json"_s),
        m_dir.filePath(u"missing.json"_s),
        write(u"mix.har"_s, twoSessionHar()),
        write(u"broken.json"_s, R"({"format":"hookscope-session","version":1,"sessions":[)"),
        MtaTest::fixturePath(u"multipart.eml"_s),
        write(u"not-a-message.eml"_s, QByteArray("\x00\x01\x02 no header here", 19)),
        MtaTest::fixturePath(u"sessions/submission.json"_s),
    };
    const Recordings read = Mock::readRecordings(paths, options);
    // Every readable file's sessions, in the order of the paths.
    QStringList ids;
    for (const SessionRecording &session : read.sessions)
        ids << session.id;
    QCOMPARE(read.sessions.size(), 1 + 2 + 1 + 1);
    QCOMPARE(ids.at(0), MtaTest::session(u"inbound-mx.json"_s).id);
    QCOMPARE(read.sessions.at(1).client.ip, u"203.0.113.7"_s);
    QCOMPARE(read.sessions.at(2).client.ip, u"203.0.113.8"_s);
    QVERIFY(ids.at(3).startsWith(u"eml-"_s));
    QCOMPARE(ids.at(4), MtaTest::session(u"submission.json"_s).id);

    QCOMPARE(read.files.size(), 4);
    QCOMPARE(read.files.at(0).format, RecordingFormat::SessionFile);
    QCOMPARE(read.files.at(1).format, RecordingFormat::Har);
    QCOMPARE(read.files.at(1).firstSession, 1);
    QCOMPARE(read.files.at(1).sessionCount, 2);
    QCOMPARE(read.sessionsOf(1).size(), 2);
    QCOMPARE(read.sessionsOf(1).at(1).client.ip, u"203.0.113.8"_s);
    QCOMPARE(read.files.at(2).format, RecordingFormat::Message);
    QCOMPARE(read.files.at(2).firstSession, 3);
    QCOMPARE(read.files.at(3).path, paths.at(6));
    QVERIFY(read.sessionsOf(4).isEmpty());

    // Each bad file once, in order, with its path and what is wrong with it.
    QCOMPARE(read.errors.size(), 3);
    QCOMPARE(read.errors.at(0).path, paths.at(1));
    QCOMPARE(read.errors.at(0).kind, RecordingError::Kind::Unreadable);
    QCOMPARE(read.errors.at(1).path, paths.at(3));
    QCOMPARE(read.errors.at(1).kind, RecordingError::Kind::Malformed);
    QVERIFY2(read.errors.at(1).reason.contains(u"JSON"_s), qPrintable(read.errors.at(1).reason));
    QCOMPARE(read.errors.at(2).path, paths.at(5));
    QCOMPARE(read.errors.at(2).kind, RecordingError::Kind::Malformed);
    QVERIFY2(read.errors.at(2).reason.contains(u"not a message"_s),
        qPrintable(read.errors.at(2).reason));
}

void TestRecordings::badFilesAreReportedPerFile_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("bytes"); // empty name below: a directory
    QTest::addColumn<RecordingError::Kind>("kind");
    QTest::addColumn<QString>("reason"); // a part of it
    QTest::addRow("empty session file")
        << u"empty.json"_s << QByteArray() << RecordingError::Kind::Malformed << u"JSON"_s;
    QTest::addRow("another format")
        << u"other.json"_s << QByteArray(R"({"format":"something-else","version":1})")
        << RecordingError::Kind::Malformed << u"something-else"_s;
    QTest::addRow("newer version")
        << u"v9.json"_s << QByteArray(R"({"format":"hookscope-session","version":9})")
        << RecordingError::Kind::Malformed << u"version"_s;
    QTest::addRow("har without entries")
        << u"empty.har"_s << QByteArray(R"({"log":{"version":"1.2"}})")
        << RecordingError::Kind::Malformed << u"log.entries"_s;
    QTest::addRow("har not json") << u"text.har"_s << QByteArray("GET / HTTP/1.1\r\n")
                                  << RecordingError::Kind::Malformed << u"JSON"_s;
    QTest::addRow("ill-formed utf-8")
        << u"latin1.json"_s << QByteArray("{\"format\":\"hookscope-session\xe9\"}")
        << RecordingError::Kind::Malformed << QString();
    QTest::addRow("empty message")
        << u"empty.eml"_s << QByteArray() << RecordingError::Kind::Malformed << u"not a message"_s;
    QTest::addRow("directory") << u"folder.json"_s << QByteArray("DIR")
                               << RecordingError::Kind::Unreadable << u"cannot be read"_s;
}

void TestRecordings::badFilesAreReportedPerFile()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, bytes);
    QFETCH(RecordingError::Kind, kind);
    QFETCH(QString, reason);
    QString path;
    if (bytes == "DIR") {
        path = m_dir.filePath(name);
        QVERIFY(QDir().mkpath(path));
    } else {
        path = write(name, bytes);
    }
    RecordingOptions options;
    options.envelopeFromHeaders = true;
    // Between two good files: both are still read.
    const QString good = MtaTest::fixturePath(u"sessions/expect-accept.json"_s);
    const Recordings read = Mock::readRecordings({good, path, good}, options);
    QCOMPARE(read.sessions.size(), 2);
    QCOMPARE(read.files.size(), 2);
    QCOMPARE(read.errors.size(), 1);
    QCOMPARE(read.errors.constFirst().path, path);
    QCOMPARE(read.errors.constFirst().kind, kind);
    QVERIFY2(read.errors.constFirst().reason.contains(reason),
        qPrintable(read.errors.constFirst().reason));
}

void TestRecordings::otherSuffixesByContent_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("readable");
    QTest::addColumn<RecordingFormat>("format");
    QTest::addRow("session file") << sessionFileText(u"s1"_s, u"t"_s, u"stalwart"_s) << true
                                  << RecordingFormat::SessionFile;
    QTest::addRow("har") << twoSessionHar() << true << RecordingFormat::Har;
    QTest::addRow("message") << MtaTest::fixture(u"plain.eml"_s) << true
                             << RecordingFormat::Message;
    QTest::addRow("message after blank lines")
        << ("\r\n" + MtaTest::fixture(u"plain.eml"_s)) << false << RecordingFormat::Message;
    QTest::addRow("other json") << QByteArray("  {\"a\": 1}") << false
                                << RecordingFormat::SessionFile;
}

void TestRecordings::otherSuffixesByContent()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, readable);
    QFETCH(RecordingFormat, format);
    RecordingOptions options;
    options.envelopeFromHeaders = true;
    const Recordings read = Mock::readRecordings({write(u"capture.txt"_s, bytes)}, options);
    QCOMPARE(read.errors.isEmpty(), readable);
    if (!readable) {
        // A JSON object that is neither says why for both.
        if (bytes.trimmed().startsWith('{')) {
            QVERIFY2(read.errors.constFirst().reason.contains(u"session file"_s)
                    && read.errors.constFirst().reason.contains(u"HAR"_s),
                qPrintable(read.errors.constFirst().reason));
        }
        return;
    }
    QCOMPARE(read.files.constFirst().format, format);
    QVERIFY(!read.sessions.isEmpty());
}

// The window's import took any file whose text held "log" in quotes for HAR, also a .json session
// file; the replay panel and the command went by the suffix. The suffix decides now: a session
// file titled "log" is a session file.
void TestRecordings::jsonFileNamingALogIsASessionFile()
{
    const Recordings read = Mock::readRecordings(
        {write(u"titled.json"_s, sessionFileText(u"s-log"_s, u"log"_s, u"draft-01"_s))});
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QCOMPARE(read.files.constFirst().format, RecordingFormat::SessionFile);
    QCOMPARE(read.sessions.constFirst().title, u"log"_s);
    QCOMPARE(read.sessions.constFirst().dialect, Dialect::Draft01);
}

void TestRecordings::formatGivenOverridesTheName()
{
    const QString path = write(u"message.json"_s, MtaTest::fixture(u"plain.eml"_s));
    QCOMPARE(Mock::readRecordings({path}).errors.size(), 1); // by its name: not a session file
    RecordingOptions options;
    options.format = RecordingFormat::Message;
    options.mailFrom = u"a@example.org"_s;
    options.recipients = {u"b@example.com"_s};
    const Recordings read = Mock::readRecordings({path}, options);
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QCOMPARE(read.files.constFirst().format, RecordingFormat::Message);
}

void TestRecordings::resources()
{
    // Qt resource paths read like files: the bundled samples (the demo's and the Help menu's).
    QStringList paths;
    for (const QString &name :
        QDir(u":/samples"_s).entryList({u"0*.json"_s}, QDir::Files, QDir::Name))
        paths << u":/samples/"_s + name;
    QVERIFY(paths.size() >= 8);
    const Recordings read = Mock::readRecordings(paths);
    QVERIFY2(read.errors.isEmpty(), qPrintable(reasons(read)));
    QCOMPARE(read.files.size(), paths.size());
    QList<Dialect> dialects;
    for (const SessionRecording &session : read.sessions) {
        if (!dialects.contains(session.dialect))
            dialects << session.dialect;
    }
    QVERIFY(dialects.contains(Dialect::Stalwart));
    QVERIFY(dialects.contains(Dialect::Draft01));
    QVERIFY(dialects.contains(Dialect::Draft02));
    const Recordings missing = Mock::readRecordings({u":/samples/none.json"_s});
    QCOMPARE(missing.errors.size(), 1);
    QCOMPARE(missing.errors.constFirst().kind, RecordingError::Kind::Unreadable);
}

void TestRecordings::deeplyNestedJsonStopsAtTheLimit_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("bytes");
    const QByteArray deep = QByteArray(100000, '[') + QByteArray(100000, ']');
    QTest::addRow("session file") << u"deep.json"_s
                                  << (R"({"format":"hookscope-session","version":1,"sessions":)"
                                         + deep + '}');
    QTest::addRow("har") << u"deep.har"_s
                         << (R"({"log":{"version":"1.2","entries":[{"request":)" + deep + "}]}}");
    QTest::addRow("sniffed") << u"deep.txt"_s << ("{\"a\":" + deep + '}');
    // Just past the limit (128 levels): the limit, not the parser's stack, refuses it.
    QTest::addRow("129 levels") << u"129.json"_s << (QByteArray(129, '[') + QByteArray(129, ']'));
}

void TestRecordings::deeplyNestedJsonStopsAtTheLimit()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, bytes);
    const Recordings read = Mock::readRecordings({write(name, bytes)});
    QVERIFY(read.sessions.isEmpty());
    QCOMPARE(read.errors.size(), 1);
    QCOMPARE(read.errors.constFirst().kind, RecordingError::Kind::Malformed);
    QVERIFY2(read.errors.constFirst().reason.contains(u"nesting depth limit"_s),
        qPrintable(read.errors.constFirst().reason));
}

void TestRecordings::hugeFiles()
{
    // A 24 MiB message: one session carrying all of it.
    QByteArray message = "From: a@example.org\r\nTo: b@example.com\r\nSubject: big\r\n\r\n";
    const QByteArray line = QByteArray(998, 'x') + "\r\n";
    while (message.size() < 24 * 1024 * 1024)
        message += line;
    RecordingOptions options;
    options.envelopeFromHeaders = true;
    const Recordings big = Mock::readRecordings({write(u"big.eml"_s, message)}, options);
    QVERIFY2(big.errors.isEmpty(), qPrintable(reasons(big)));
    QCOMPARE(big.sessions.constFirst().rawMessage.size(), message.size());

    // The same message in a session file (base64 in one 32 MiB string).
    SessionRecording session = big.sessions.constFirst();
    session.id = u"big"_s;
    const Recordings file
        = Mock::readRecordings({write(u"big.json"_s, Mock::SessionFile::write({session}))});
    QVERIFY2(file.errors.isEmpty(), qPrintable(reasons(file)));
    QCOMPARE(file.sessions.constFirst().rawMessage, message);

    // 24 MiB that are no recording at all, under each name: refused, per file.
    const QByteArray noise(24 * 1024 * 1024, '\x01');
    const Recordings refused = Mock::readRecordings(
        {write(u"noise.json"_s, noise), write(u"noise.har"_s, noise), write(u"noise.eml"_s, noise)},
        options);
    QVERIFY(refused.sessions.isEmpty());
    QCOMPARE(refused.errors.size(), 3);
    for (const RecordingError &error : refused.errors)
        QCOMPARE(error.kind, RecordingError::Kind::Malformed);
}

void TestRecordings::nothingToRead()
{
    const Recordings read = Mock::readRecordings({});
    QVERIFY(read.sessions.isEmpty());
    QVERIFY(read.files.isEmpty());
    QVERIFY(read.errors.isEmpty());
}

QTEST_GUILESS_MAIN(TestRecordings)
#include "tst_mta_recordings.moc"
