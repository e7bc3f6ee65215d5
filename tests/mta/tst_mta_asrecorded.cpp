// SPDX-License-Identifier: GPL-3.0-or-later
// A replay "as recorded": the replayer takes sessions of different dialects in one run and plays
// each in the dialect it was recorded in (planReplay: one pass per dialect, in the order they
// first appear). The scanner here is a test double on QTcpServer written from the protocol
// reference (../shared/protocol/README.md: §b.1 Stalwart's request, §b.2/§b.3 the drafts' hook
// request, discovery, registration and deregistration, §c the answers) and RFC 9112's framing; it
// answers each request in the shape it arrived in and logs what it saw.
#include "mock/mta/replayplan.h"
#include "mock/mta/sessionreplayer.h"
#include "tests/mta/mtatest.h"

#include <QCborValue>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using Mock::ReplayPass;
using Mock::ReplayResult;
using Mock::ReplayTarget;
using Mock::SessionRecording;
using Mock::SessionReplayer;

namespace {

// What the scanner saw of one request.
struct Seen
{
    enum Kind { Discovery, Registration, Deregistration, StalwartHook, DraftHook, Unexpected };
    Kind kind = Unexpected;
    QByteArray method;
    QByteArray path;
    QByteArray contentType;
    QByteArray registration; // X-MTA-Hooks-Registration
    QString stage;
    int clientPort = 0;
    QJsonObject registrationBody;
};

// A scanner for both generations at once: Stalwart's hook at /hook (§a.2: no discovery, no
// registration), the drafts' discovery at /.well-known/mta-hooks, registration at
// /v1/hooks/register, hook calls at the returned hookEndpoint and deregistration by DELETE (§b.3).
// Stalwart's calls are answered {"action":"accept"} (§c.1), the drafts' with 204 No Content (§c.2:
// no change). A request of the wrong shape for its URL is answered 400 and logged as Unexpected.
class TwoGenerationScanner final : public QObject
{
public:
    bool listen()
    {
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
        return m_server.listen(QHostAddress::LocalHost, 0);
    }
    QUrl hookUrl() const { return QUrl(u"http://127.0.0.1:%1/hook"_s.arg(m_server.serverPort())); }
    const QList<Seen> &seen() const { return m_seen; }
    QList<Seen> seen(Seen::Kind kind) const
    {
        QList<Seen> matching;
        for (const Seen &entry : m_seen) {
            if (entry.kind == kind)
                matching.append(entry);
        }
        return matching;
    }

private:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QList<std::pair<QByteArray, QByteArray>> headers;
        QByteArray body;

        QByteArray header(const QByteArray &name) const
        {
            for (const auto &[key, value] : headers) {
                if (key.compare(name, Qt::CaseInsensitive) == 0)
                    return value;
            }
            return {};
        }
    };

    void serve(QTcpSocket *socket)
    {
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            // RFC 9112 §2.1/§6: a head up to the empty line, then Content-Length bytes; the
            // connection stays open for the next request.
            for (;;) {
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                Request request;
                const QList<QByteArray> lines = buffer->left(end).split('\n');
                const QList<QByteArray> start = lines.value(0).trimmed().split(' ');
                request.method = start.value(0);
                request.path = start.value(1);
                qsizetype length = 0;
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const qsizetype colon = lines.at(i).indexOf(':');
                    if (colon <= 0)
                        continue;
                    const QByteArray name = lines.at(i).left(colon).trimmed();
                    const QByteArray value = lines.at(i).mid(colon + 1).trimmed();
                    request.headers.append({name, value});
                    if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
                        length = value.toLongLong();
                }
                if (buffer->size() < end + 4 + length)
                    return;
                request.body = buffer->mid(end + 4, length);
                buffer->remove(0, end + 4 + length);
                socket->write(answer(request));
            }
        });
    }

    static QByteArray response(int status, const char *reason, const QByteArray &json = {})
    {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
        if (status != 204) {
            head += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(json.size()) + "\r\n";
        }
        return head + "\r\n" + json;
    }

    QByteArray answer(const Request &request)
    {
        Seen seen;
        seen.method = request.method;
        seen.path = request.path;
        seen.contentType = request.header("Content-Type");
        seen.registration = request.header("X-MTA-Hooks-Registration");
        const QByteArray invokePrefix = "/v1/hooks/invoke/";
        const QByteArray registrationsPrefix = "/v1/hooks/registrations/";
        if (request.method == "GET" && request.path == "/.well-known/mta-hooks") {
            seen.kind = Seen::Discovery;
            m_seen.append(seen);
            return response(200, "OK",
                R"({"version":"1.0","endpoints":{"registration":"/v1/hooks/register",)"
                R"("deregistration":"/v1/hooks/registrations/{registration_id}"},)"
                R"("serialization":["json","cbor"],"capabilities":{"inbound":{"stages":)"
                R"(["connect","ehlo","mail","rcpt","data"],"actions":["accept","reject",)"
                R"("discard","quarantine","disconnect"],"fetchProperties":["/"],)"
                R"("updateProperties":["/"]},"outbound":null},"limits":null,"extensions":null})");
        }
        if (request.method == "POST" && request.path == "/v1/hooks/register") {
            seen.kind = Seen::Registration;
            seen.registrationBody = QJsonDocument::fromJson(request.body).object();
            m_seen.append(seen);
            const QByteArray id = "reg_" + QByteArray::number(++m_registrations);
            return response(201, "Created",
                R"({"registrationId":")" + id
                    + R"(","status":"active","createdAt":"2026-10-02T09:15:00Z",)"
                      R"("expiresAt":null,"hookEndpoint":")"
                    + invokePrefix + id
                    + R"(","negotiated":{"serialization":"json","inbound":null,"outbound":null},)"
                      R"("endpoints":{"deregistration":")"
                    + registrationsPrefix + id + R"(","status":")" + registrationsPrefix + id
                    + R"("}})");
        }
        if (request.method == "DELETE" && request.path.startsWith(registrationsPrefix)) {
            seen.kind = Seen::Deregistration;
            seen.registration = request.path.mid(registrationsPrefix.size());
            m_seen.append(seen);
            return response(200, "OK",
                R"({"registrationId":")" + seen.registration
                    + R"(","status":"deregistered","deregisteredAt":"2026-10-02T09:16:00Z"})");
        }
        if (request.method == "POST") {
            // §b.1: Stalwart's request is {context: {stage, client, …}, …}; §b.2: the drafts'
            // is flat ({stage, client, …}), JSON or CBOR.
            const QJsonObject document = seen.contentType.startsWith("application/cbor")
                ? QCborValue::fromCbor(request.body).toJsonValue().toObject()
                : QJsonDocument::fromJson(request.body).object();
            const bool stalwart = document.contains(u"context"_s);
            const QJsonObject facts = stalwart ? document.value(u"context"_s).toObject() : document;
            seen.stage = facts.value(u"stage"_s).toString();
            seen.clientPort = facts.value(u"client"_s).toObject().value(u"port"_s).toInt();
            if (request.path == "/hook" && stalwart) {
                seen.kind = Seen::StalwartHook;
                m_seen.append(seen);
                return response(200, "OK", R"({"action":"accept"})");
            }
            if (request.path.startsWith(invokePrefix) && !stalwart && !seen.stage.isEmpty()
                && seen.registration == request.path.mid(invokePrefix.size())) {
                seen.kind = Seen::DraftHook;
                m_seen.append(seen);
                return response(204, "No Content");
            }
        }
        m_seen.append(seen);
        return response(400, "Bad Request",
            R"({"error":{"code":"BAD_REQUEST","message":"unexpected request"}})");
    }

    QTcpServer m_server;
    QList<Seen> m_seen;
    int m_registrations = 0;
};

SessionRecording withDialect(SessionRecording session, const QString &id, Dialect dialect, int port)
{
    session.id = id;
    session.dialect = dialect;
    session.client.port = port;
    return session;
}

// Draft-01, Stalwart, draft-02 and an unrecorded dialect (Stalwart's), each with its own client
// port so that the scanner can tell their calls apart.
QList<SessionRecording> mixedSessions()
{
    const SessionRecording submission = MtaTest::session(u"submission.json"_s);
    return {
        withDialect(submission, u"d1"_s, Dialect::Draft01, 51001),
        withDialect(MtaTest::session(u"inbound-mx.json"_s), u"s1"_s, Dialect::Stalwart, 51002),
        withDialect(submission, u"d2"_s, Dialect::Draft02, 51003),
        withDialect(MtaTest::session(u"expect-accept.json"_s), u"u1"_s, Dialect::Unknown, 51004),
    };
}

QList<int> ports(const QList<Seen> &seen)
{
    QList<int> result;
    for (const Seen &entry : seen) {
        if (!result.contains(entry.clientPort))
            result.append(entry.clientPort);
    }
    return result;
}

} // namespace

class TestAsRecorded : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replayDialect();
    void plan_data();
    void plan();
    void aMixPlaysEachInItsOwnDialectInOneRun_data();
    void aMixPlaysEachInItsOwnDialectInOneRun();
    void cborGoesToTheDraftsOnly();
    void aForcedDialectIsOnePass();
    void cancelKeepsTheFiguresSoFar();
};

void TestAsRecorded::replayDialect()
{
    SessionRecording session;
    ReplayTarget target;
    target.dialect = ReplayTarget::AsRecorded;
    QCOMPARE(Mock::replayDialect(session, target), Dialect::Stalwart); // none recorded
    session.dialect = Dialect::Draft02;
    QCOMPARE(Mock::replayDialect(session, target), Dialect::Draft02);
    target.dialect = Dialect::Draft01;
    QCOMPARE(Mock::replayDialect(session, target), Dialect::Draft01); // forced
    QCOMPARE(ReplayTarget().dialect, Dialect::Stalwart); // a target's default is not AsRecorded
}

void TestAsRecorded::plan_data()
{
    QTest::addColumn<Dialect>("targetDialect");
    QTest::addColumn<Encoding>("targetEncoding");
    QTest::addColumn<QList<Dialect>>("passDialects");
    QTest::addColumn<QList<Encoding>>("passEncodings");
    QTest::addColumn<QList<QList<int>>>("passSessions");
    // Sessions: draft-01, Stalwart, draft-02, none recorded.
    QTest::addRow("as recorded") << ReplayTarget::AsRecorded << Encoding::Json
                                 << QList<Dialect> {Dialect::Draft01, Dialect::Stalwart,
                                        Dialect::Draft02}
                                 << QList<Encoding> {Encoding::Json, Encoding::Json, Encoding::Json}
                                 << QList<QList<int>> {{0}, {1, 3}, {2}};
    QTest::addRow("as recorded, cbor")
        << ReplayTarget::AsRecorded << Encoding::Cbor
        << QList<Dialect> {Dialect::Draft01, Dialect::Stalwart, Dialect::Draft02}
        << QList<Encoding> {Encoding::Cbor, Encoding::Json, Encoding::Cbor}
        << QList<QList<int>> {{0}, {1, 3}, {2}};
    QTest::addRow("forced draft-02")
        << Dialect::Draft02 << Encoding::Cbor << QList<Dialect> {Dialect::Draft02}
        << QList<Encoding> {Encoding::Cbor} << QList<QList<int>> {{0, 1, 2, 3}};
    QTest::addRow("forced stalwart, cbor asked")
        << Dialect::Stalwart << Encoding::Cbor << QList<Dialect> {Dialect::Stalwart}
        << QList<Encoding> {Encoding::Json} << QList<QList<int>> {{0, 1, 2, 3}};
}

void TestAsRecorded::plan()
{
    QFETCH(Dialect, targetDialect);
    QFETCH(Encoding, targetEncoding);
    QFETCH(QList<Dialect>, passDialects);
    QFETCH(QList<Encoding>, passEncodings);
    QFETCH(QList<QList<int>>, passSessions);
    ReplayTarget target;
    target.dialect = targetDialect;
    target.encoding = targetEncoding;
    const QList<ReplayPass> passes = Mock::planReplay(mixedSessions(), target);
    QCOMPARE(passes.size(), passDialects.size());
    for (int i = 0; i < passes.size(); ++i) {
        QCOMPARE(passes.at(i).dialect, passDialects.at(i));
        QCOMPARE(passes.at(i).encoding, passEncodings.at(i));
        QCOMPARE(passes.at(i).sessions, passSessions.at(i));
    }
    QVERIFY(Mock::planReplay({}, target).isEmpty());
}

void TestAsRecorded::aMixPlaysEachInItsOwnDialectInOneRun_data()
{
    QTest::addColumn<int>("concurrency");
    QTest::addColumn<int>("threads"); // 0: the replayer decides
    QTest::addRow("one at a time") << 1 << 0;
    QTest::addRow("four lanes") << 4 << 0;
    QTest::addRow("worker threads") << 4 << 2;
}

void TestAsRecorded::aMixPlaysEachInItsOwnDialectInOneRun()
{
    QFETCH(int, concurrency);
    QFETCH(int, threads);
    TwoGenerationScanner scanner;
    QVERIFY(scanner.listen());
    const QList<SessionRecording> sessions = mixedSessions();
    SessionReplayer replayer;
    replayer.setWorkerThreads(threads);
    QSignalSpy stages(&replayer, &SessionReplayer::stageFinished);
    QSignalSpy finishedSessions(&replayer, &SessionReplayer::sessionFinished);
    QSignalSpy progress(&replayer, &SessionReplayer::progress);
    QSignalSpy finished(&replayer, &SessionReplayer::finished);
    ReplayTarget target;
    target.url = scanner.hookUrl();
    target.dialect = ReplayTarget::AsRecorded;
    target.timeoutMs = 20000;
    replayer.start(sessions, target, concurrency);
    QVERIFY(replayer.isRunning());
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    QCOMPARE(finished.size(), 1); // one run, however many dialects
    QVERIFY(!replayer.isRunning());

    // The signals number the sessions as given.
    QCOMPARE(finishedSessions.size(), sessions.size());
    QList<int> indices;
    for (const QList<QVariant> &signal : std::as_const(finishedSessions)) {
        const int index = signal.at(0).toInt();
        indices << index;
        QCOMPARE(signal.at(1).value<ReplayResult>().sessionId, sessions.at(index).id);
    }
    std::sort(indices.begin(), indices.end());
    QCOMPARE(indices, (QList<int> {0, 1, 2, 3}));
    QCOMPARE(progress.constLast().at(0).toInt(), 4);
    QCOMPARE(progress.constLast().at(1).toInt(), 4);
    int stagesOfD2 = 0;
    for (const QList<QVariant> &signal : std::as_const(stages))
        stagesOfD2 += signal.at(0).toInt() == 2 ? 1 : 0;
    QCOMPARE(stagesOfD2, sessions.at(2).stages.size());

    // Each session in its own dialect, every answer understood as that dialect's (a 204 read as
    // Stalwart's would be a hook error, {"action":"accept"} read as a draft's would be malformed).
    const QList<ReplayResult> results = replayer.results();
    const QList<Dialect> expected {
        Dialect::Draft01, Dialect::Stalwart, Dialect::Draft02, Dialect::Stalwart};
    for (int i = 0; i < results.size(); ++i) {
        const ReplayResult &result = results.at(i);
        QCOMPARE(result.sessionId, sessions.at(i).id);
        QCOMPARE(result.dialect, expected.at(i));
        QVERIFY2(result.allWellFormed(), qPrintable(result.sessionId));
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.stages.size(), sessions.at(i).stages.size());
        QVERIFY2(result.messageQueued, qPrintable(result.stopReason));
        QCOMPARE(result.expectationFailures(), 0);
    }
    const Mock::ReplaySummary summary = finished.constFirst().at(0).value<Mock::ReplaySummary>();
    QCOMPARE(summary.sessions, 4);
    QCOMPARE(summary.stages, 7 + 6 + 7 + 4);
    QCOMPARE(summary.malformedAnswers, 0);
    QCOMPARE(replayer.summary().stages, summary.stages);

    // What the scanner saw: no 400s; Stalwart's calls at the hook URL from s1 and u1, the
    // drafts' at the endpoint each registration returned, one registration per draft pass
    // (d1's, then d2's), each ended once its pass was done, passes one after the other.
    QVERIFY(scanner.seen(Seen::Unexpected).isEmpty());
    const QList<Seen> stalwart = scanner.seen(Seen::StalwartHook);
    QCOMPARE(stalwart.size(), 6 + 4);
    QList<int> stalwartPorts = ports(stalwart); // with lanes, in either order
    std::sort(stalwartPorts.begin(), stalwartPorts.end());
    QCOMPARE(stalwartPorts, (QList<int> {51002, 51004}));
    for (const Seen &call : stalwart) {
        QVERIFY(call.registration.isEmpty());
        QVERIFY(call.contentType.startsWith("application/json"));
    }
    const QList<Seen> drafts = scanner.seen(Seen::DraftHook);
    QCOMPARE(drafts.size(), 7 + 7);
    for (const Seen &call : drafts)
        QCOMPARE(call.registration, QByteArray(call.clientPort == 51001 ? "reg_1" : "reg_2"));
    QCOMPARE(ports(drafts), (QList<int> {51001, 51003})); // d1's pass, then d2's
    QCOMPARE(scanner.seen(Seen::Discovery).size(), 2);
    QCOMPARE(scanner.seen(Seen::Registration).size(), 2);
    const QList<Seen> ended = scanner.seen(Seen::Deregistration);
    QCOMPARE(ended.size(), 2);
    QCOMPARE(ended.at(0).registration, QByteArray("reg_1"));
    QCOMPARE(ended.at(1).registration, QByteArray("reg_2"));
    const QStringList names {u"discovery"_s, u"registration"_s, u"deregistration"_s, u"stalwart"_s,
        u"draft"_s, u"unexpected"_s};
    QStringList order; // runs of the same kind, once each
    for (const Seen &entry : scanner.seen()) {
        if (order.isEmpty() || order.constLast() != names.at(entry.kind))
            order << names.at(entry.kind);
    }
    QCOMPARE(order.join(u' '),
        u"discovery registration draft deregistration stalwart discovery registration draft "
        "deregistration"_s);
}

void TestAsRecorded::cborGoesToTheDraftsOnly()
{
    TwoGenerationScanner scanner;
    QVERIFY(scanner.listen());
    const QList<SessionRecording> all = mixedSessions();
    SessionReplayer replayer;
    QSignalSpy finished(&replayer, &SessionReplayer::finished);
    ReplayTarget target;
    target.url = scanner.hookUrl();
    target.dialect = ReplayTarget::AsRecorded;
    target.encoding = Encoding::Cbor;
    target.timeoutMs = 20000;
    replayer.start({all.at(1), all.at(0)}, target, 2);
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    QVERIFY(scanner.seen(Seen::Unexpected).isEmpty());
    QCOMPARE(scanner.seen(Seen::StalwartHook).size(), 6);
    for (const Seen &call : scanner.seen(Seen::StalwartHook))
        QVERIFY(call.contentType.startsWith("application/json")); // its only format
    QCOMPARE(scanner.seen(Seen::DraftHook).size(), 7);
    for (const Seen &call : scanner.seen(Seen::DraftHook))
        QVERIFY(call.contentType.startsWith("application/cbor"));
    QCOMPARE(
        scanner.seen(Seen::Registration).constFirst().registrationBody.value(u"serialization"_s),
        u"cbor"_s);
    for (const ReplayResult &result : replayer.results())
        QVERIFY2(result.allWellFormed(), qPrintable(result.sessionId));
}

void TestAsRecorded::aForcedDialectIsOnePass()
{
    TwoGenerationScanner scanner;
    QVERIFY(scanner.listen());
    SessionReplayer replayer;
    QSignalSpy finished(&replayer, &SessionReplayer::finished);
    ReplayTarget target;
    target.url = scanner.hookUrl();
    target.dialect = Dialect::Draft01;
    target.timeoutMs = 20000;
    replayer.start(mixedSessions(), target, 1);
    QVERIFY(finished.wait(MtaTest::LongWaitMs));
    QVERIFY(scanner.seen(Seen::Unexpected).isEmpty());
    QVERIFY(scanner.seen(Seen::StalwartHook).isEmpty());
    QCOMPARE(scanner.seen(Seen::DraftHook).size(), 7 + 6 + 7 + 4);
    QCOMPARE(scanner.seen(Seen::Registration).size(), 1);
    for (const ReplayResult &result : replayer.results())
        QCOMPARE(result.dialect, Dialect::Draft01);
}

void TestAsRecorded::cancelKeepsTheFiguresSoFar()
{
    TwoGenerationScanner scanner;
    QVERIFY(scanner.listen());
    SessionReplayer replayer;
    QSignalSpy finished(&replayer, &SessionReplayer::finished);
    // Cancelled once the first pass (d1, draft-01) is done, before the others run.
    connect(&replayer, &SessionReplayer::sessionFinished, &replayer,
        [&replayer] { replayer.cancel(); });
    QSignalSpy sessionsDone(&replayer, &SessionReplayer::sessionFinished);
    ReplayTarget target;
    target.url = scanner.hookUrl();
    target.dialect = ReplayTarget::AsRecorded;
    target.timeoutMs = 20000;
    replayer.start(mixedSessions(), target, 1);
    QVERIFY(sessionsDone.wait(MtaTest::LongWaitMs));
    QVERIFY(!replayer.isRunning());
    QVERIFY(finished.isEmpty());
    const Mock::ReplaySummary summary = replayer.summary();
    QCOMPARE(summary.sessions, 4); // every session of the run, the unplayed ones empty
    QCOMPARE(summary.stages, 7);
    QCOMPARE(replayer.results().at(0).sessionId, u"d1"_s);
    QVERIFY(replayer.results().at(1).sessionId.isEmpty());
    QVERIFY(scanner.seen(Seen::StalwartHook).isEmpty());
}

QTEST_GUILESS_MAIN(TestAsRecorded)
#include "tst_mta_asrecorded.moc"
