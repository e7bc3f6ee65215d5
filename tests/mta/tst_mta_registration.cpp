// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA against the mock scanner (SessionReplayer replaying to an in-process HookEndpoint +
// Rulebook on 127.0.0.1, each half checking the other), end to end in every dialect and encoding,
// and the draft-01 control plane between them: discovery, registration, the registration's id on
// every call, registering again when the scanner forgot it, stopping when the scanner ended it,
// and authentication, the registration's included.
#include "mock/mta/hookclient.h"
#include "mock/mta/sessionreplayer.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/replayertest.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace ReplayerTest;
using Mock::Exchange;
using Mock::ExchangeKind;
using Mock::ReplayResult;
using Mock::ReplayTarget;
using Mock::Rule;
using Mock::SessionRecording;
using Mock::StageResult;

class TestMtaRegistration : public ReplayerTest::Fixture
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void everyDialectAndEncoding_data();
    void everyDialectAndEncoding();
    void draftRegistrationFlow();
    void registrationWithoutDiscovery();
    void unregisteredWhenAsked();
    void registersAgainWhenForgotten();
    void stopsWhenDeregistered();
    void authentication_data();
    void authentication();
};

void TestMtaRegistration::init()
{
    setUp();
}

void TestMtaRegistration::cleanup()
{
    tearDown();
}

void TestMtaRegistration::everyDialectAndEncoding_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("stalwart") << Dialect::Stalwart << Encoding::Json;
    QTest::addRow("draft-01-json") << Dialect::Draft01 << Encoding::Json;
    QTest::addRow("draft-01-cbor") << Dialect::Draft01 << Encoding::Cbor;
    QTest::addRow("draft-02-json") << Dialect::Draft02 << Encoding::Json;
    QTest::addRow("draft-02-cbor") << Dialect::Draft02 << Encoding::Cbor;
}

void TestMtaRegistration::everyDialectAndEncoding()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    if (dialect == Dialect::Draft02)
        m_rulebook->setDraftAnswerDialect(Dialect::Draft02);
    // A stage edit the endpoint answers in the dialect, so the answer path is exercised too.
    m_rulebook->setRules({rule(u"tag"_s, {Stage::Data}, preset(Preset::AddHeader))});
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(dialect, encoding);
    const bool draft = dialect != Dialect::Stalwart;
    t.discover = draft;
    t.registerMta = draft;
    QVERIFY(replay({session}, t));
    const ReplayResult &result = m_results.constFirst();
    QVERIFY2(result.allWellFormed(), qPrintable(describeStages(result)));
    QVERIFY2(!result.stopped, qPrintable(result.stopReason));
    QCOMPARE(stageNames(result),
        QStringList({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt:trent@example.com"_s,
            u"rcpt:peggy@example.com"_s, u"rcpt:victor@example.com"_s, u"data"_s}));
    for (const StageResult &stage : result.stages) {
        QCOMPARE(stage.outcome.action, Action::Accept);
        QCOMPARE(stage.attempts, 1);
        QVERIFY(stage.latencyUs > 0);
        QCOMPARE(headerOf(stage.requestHeaders, "Content-Type"), contentTypeFor(encoding));
    }
    QVERIFY(result.messageQueued);
    QVERIFY(result.messageAfter.startsWith("X-Hookscope: scanned\r\n"));
    QVERIFY(result.messageAfter.endsWith(
        result.messageBefore.mid(result.messageBefore.indexOf("\r\n\r\n"))));
    QCOMPARE(result.envelopeAfter.to.size(), 3);

    // What the endpoint made of the replayer's requests: every one decoded in the dialect and
    // encoding, with no Error (transport headers, fields, types) and, for the drafts, the
    // registration's id on every call.
    const QList<Exchange> hooks = hookExchanges();
    QCOMPARE(hooks.size(), 7);
    for (const Exchange &exchange : hooks) {
        QVERIFY2(exchange.errorCount() == 0, qPrintable(MtaTest::describe(exchange.problems)));
        // A draft-02 request reads as a draft-01 one; the RFC 6902 answer tells the capture.
        QCOMPARE(exchange.dialect, dialect);
        QCOMPARE(exchange.encoding, encoding);
        QCOMPARE(exchange.method, QByteArray("POST"));
        if (draft) {
            QVERIFY(exchange.path.startsWith("/v1/hooks/invoke/reg_"));
            QCOMPARE(exchange.requestHeader("X-MTA-Hooks-Registration"),
                exchange.path.mid(qstrlen("/v1/hooks/invoke/")));
            QVERIFY(!exchange.requestHeader("X-MTA-Hooks-Request-Id").isEmpty());
        } else {
            QCOMPARE(exchange.path, QByteArray("/hook"));
            QVERIFY(exchange.requestHeader("X-MTA-Hooks-Request-Id").isEmpty());
        }
    }
    // One request id per call.
    QSet<QByteArray> ids;
    for (const Exchange &exchange : hooks)
        ids.insert(exchange.requestHeader("X-MTA-Hooks-Request-Id"));
    QCOMPARE(ids.size(), draft ? 7 : 1);
}

void TestMtaRegistration::draftRegistrationFlow()
{
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(Dialect::Draft01);
    t.discover = true;
    t.registerMta = true;
    QVERIFY(replay({session, session}, t));
    QVERIFY(m_results.at(0).allWellFormed());
    QVERIFY(m_results.at(1).allWellFormed());
    QList<ExchangeKind> kinds;
    for (const Exchange &exchange : m_exchanges)
        kinds << exchange.kind;
    QList<ExchangeKind> expected {ExchangeKind::Discovery, ExchangeKind::Registration};
    for (int i = 0; i < 14; ++i)
        expected << ExchangeKind::Hook;
    expected << ExchangeKind::Deregistration;
    QCOMPARE(kinds, expected);
    QCOMPARE(m_exchanges.at(0).method, QByteArray("GET"));
    QCOMPARE(m_exchanges.at(0).path, QByteArray("/.well-known/mta-hooks"));
    QCOMPARE(m_exchanges.at(1).method, QByteArray("POST"));
    QCOMPARE(m_exchanges.at(1).path, QByteArray("/v1/hooks/register"));
    QCOMPARE(m_exchanges.at(1).httpStatus, 201);
    QVERIFY2(m_exchanges.at(1).errorCount() == 0,
        qPrintable(MtaTest::describe(m_exchanges.at(1).problems)));
    QCOMPARE(m_exchanges.constLast().method, QByteArray("DELETE"));
    QCOMPARE(m_exchanges.constLast().httpStatus, 200);

    const QList<Mock::ControlPlane::Registration> registrations
        = m_endpoint->controlPlane().registrations();
    QCOMPARE(registrations.size(), 1);
    const Mock::ControlPlane::Registration &registration = registrations.constFirst();
    QCOMPARE(registration.name, u"hookscope-replayer"_s);
    QCOMPARE(registration.status, u"deregistered"_s);
    QCOMPARE(registration.invocations, 14);
    QCOMPARE(registration.errors, 0);
    QCOMPARE(registration.serialization, u"json"_s);
    QCOMPARE(registration.negotiated.value(u"inbound"_s).toObject().value(u"stages"_s).toArray(),
        QJsonArray({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s}));
    // The deregistration names the registration; every hook call went to its hookEndpoint.
    QCOMPARE(m_exchanges.constLast().path, "/v1/hooks/register/" + registration.id.toUtf8());
    for (const Exchange &exchange : hookExchanges())
        QCOMPARE(exchange.path, "/v1/hooks/invoke/" + registration.id.toUtf8());
    QCOMPARE(m_results.at(0).stages.at(0).url.path(), u"/v1/hooks/invoke/"_s + registration.id);
}

void TestMtaRegistration::registrationWithoutDiscovery()
{
    ReplayTarget t = target(Dialect::Draft01, Encoding::Cbor);
    t.registerMta = true;
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
    QVERIFY(m_results.constFirst().allWellFormed());
    QCOMPARE(m_exchanges.constFirst().kind, ExchangeKind::Registration);
    QCOMPARE(m_exchanges.constLast().kind, ExchangeKind::Deregistration);
    const auto registrations = m_endpoint->controlPlane().registrations();
    QCOMPARE(registrations.size(), 1);
    QCOMPARE(registrations.constFirst().serialization, u"cbor"_s);
    QCOMPARE(registrations.constFirst().invocations, 4);
}

void TestMtaRegistration::unregisteredWhenAsked()
{
    QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, target(Dialect::Draft01)));
    QVERIFY(m_results.constFirst().allWellFormed());
    QVERIFY(m_endpoint->controlPlane().registrations().isEmpty());
    const QList<Exchange> hooks = hookExchanges();
    QCOMPARE(hooks.size(), m_exchanges.size());
    for (const Exchange &exchange : hooks) {
        QCOMPARE(exchange.path, QByteArray("/hook"));
        // The header is REQUIRED; without a registration it says so.
        QCOMPARE(exchange.requestHeader("X-MTA-Hooks-Registration"), QByteArray("unregistered"));
    }
}

void TestMtaRegistration::registersAgainWhenForgotten()
{
    // The scanner answers the first mail call 404 REGISTRATION_NOT_FOUND, as one that lost its
    // registrations would: the MTA registers again and sends that call once more, with the new
    // registration and the same request id.
    Rule forgot = rule(u"forgot"_s, {Stage::Mail},
        body(R"({"error":{"code":"REGISTRATION_NOT_FOUND","message":"unknown"}})", 404));
    forgot.when.times = 1;
    m_rulebook->setRules({forgot});
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(Dialect::Draft01);
    t.registerMta = true;
    QVERIFY(replay({session, session}, t, 1));
    for (const ReplayResult &result : std::as_const(m_results))
        QVERIFY2(!result.stopped, qPrintable(describeStages(result)));

    QList<Exchange> mails;
    for (const Exchange &exchange : hookExchanges()) {
        if (exchange.stage == Stage::Mail)
            mails.append(exchange);
    }
    QCOMPARE(mails.size(), 3); // 404, the call sent again, the second session's
    QCOMPARE(mails.at(0).httpStatus, 404);
    QCOMPARE(mails.at(1).httpStatus, 200);
    const QByteArray first = mails.at(0).requestHeader("X-MTA-Hooks-Registration");
    const QByteArray second = mails.at(1).requestHeader("X-MTA-Hooks-Registration");
    QVERIFY(first != second);
    const Mock::ControlPlane &plane = m_endpoint->controlPlane();
    QCOMPARE(plane.registrations().size(), 2);
    QVERIFY(plane.registration(QString::fromUtf8(first)));
    QVERIFY(plane.registration(QString::fromUtf8(second)));
    // The one in use at the end is deregistered; the forgotten one is the scanner's business.
    QCOMPARE(plane.registration(QString::fromUtf8(second))->status, u"deregistered"_s);
    QCOMPARE(mails.at(1).path, "/v1/hooks/invoke/" + second);
    QCOMPARE(mails.at(1).requestHeader("X-MTA-Hooks-Request-Id"),
        mails.at(0).requestHeader("X-MTA-Hooks-Request-Id"));
    QCOMPARE(mails.at(2).requestHeader("X-MTA-Hooks-Registration"), second);
    // The registration came between the two attempts; the deregistration names the new one.
    const qsizetype again
        = std::find_if(m_exchanges.cbegin() + 1, m_exchanges.cend(),
              [](const Exchange &e) { return e.kind == ExchangeKind::Registration; })
        - m_exchanges.cbegin();
    QVERIFY(again < m_exchanges.size());
    QVERIFY(m_exchanges.at(again - 1).id == mails.at(0).id);
    QCOMPARE(m_exchanges.constLast().kind, ExchangeKind::Deregistration);
    QCOMPARE(m_exchanges.constLast().path, "/v1/hooks/register/" + second);

    const StageResult *mail = findStage(m_results.constFirst(), Stage::Mail);
    QVERIFY(mail);
    QCOMPARE(mail->httpStatus, 200);
    QCOMPARE(mail->url.path(), u"/v1/hooks/invoke/"_s + QString::fromUtf8(second));
    QVERIFY2(m_results.constFirst().notes.join(u'\n').contains(u"registered again"_s),
        qPrintable(m_results.constFirst().notes.join(u'\n')));
    QVERIFY(m_results.at(1).notes.isEmpty());
}

void TestMtaRegistration::stopsWhenDeregistered()
{
    m_rulebook->setRules({rule(u"gone"_s, {Stage::Rcpt},
        body(R"({"error":{"code":"REGISTRATION_DEREGISTERED","message":"bye"}})", 410))});
    const SessionRecording session = MtaTest::session(u"submission.json"_s);
    ReplayTarget t = target(Dialect::Draft01);
    t.registerMta = true;
    QVERIFY(replay({session, session}, t, 1));
    const ReplayResult &first = m_results.at(0);
    QVERIFY(first.stopped);
    QVERIFY2(first.stopReason.contains(u"410"_s), qPrintable(first.stopReason));
    QCOMPARE(first.stages.constLast().stage, Stage::Rcpt);
    QCOMPARE(first.stages.constLast().httpStatus, 410);
    QCOMPARE(first.stages.constLast().attempts, 1); // a 4xx is not retried
    // No hook call after the 410, in this session or the next, and no deregistration.
    const ReplayResult &second = m_results.at(1);
    QVERIFY(second.stopped);
    QVERIFY(second.stages.isEmpty());
    QVERIFY2(
        second.stopReason.contains(u"ended the registration"_s), qPrintable(second.stopReason));
    QCOMPARE(hookExchanges().size(), first.stages.size());
    QCOMPARE(m_exchanges.constLast().kind, ExchangeKind::Hook);
}

void TestMtaRegistration::authentication_data()
{
    QTest::addColumn<QString>("endpointAuth");
    QTest::addColumn<QString>("replayAuth");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("accepted");
    QTest::addRow("bearer") << u"bearer:s3cret-token"_s << u"bearer:s3cret-token"_s
                            << QByteArray("Bearer s3cret-token") << true;
    QTest::addRow("basic") << u"basic:mta:pa:ss"_s << u"basic:mta:pa:ss"_s
                           << QByteArray("Basic ") + QByteArray("mta:pa:ss").toBase64() << true;
    QTest::addRow("wrong-token") << u"bearer:s3cret-token"_s << u"bearer:guess"_s
                                 << QByteArray("Bearer guess") << false;
    QTest::addRow("missing") << u"basic:mta:pass"_s << u"none"_s << QByteArray() << false;
}

void TestMtaRegistration::authentication()
{
    QFETCH(QString, endpointAuth);
    QFETCH(QString, replayAuth);
    QFETCH(QByteArray, header);
    QFETCH(bool, accepted);
    QString error;
    auto settings = Mock::EndpointSettings::withAuth(m_endpoint->settings(), endpointAuth, &error);
    QVERIFY2(settings, qPrintable(error));
    settings->keepCredentials = true; // to see what the replayer sent
    m_endpoint->setSettings(*settings);
    for (const Dialect dialect : {Dialect::Stalwart, Dialect::Draft01}) {
        m_exchanges.clear();
        ReplayTarget t = target(dialect);
        t.auth = replayAuth;
        t.registerMta = dialect == Dialect::Draft01; // registration is authenticated too
        QVERIFY(replay({MtaTest::session(u"expect-accept.json"_s)}, t));
        const ReplayResult &result = m_results.constFirst();
        QVERIFY(!m_exchanges.isEmpty());
        for (const Exchange &exchange : std::as_const(m_exchanges))
            QCOMPARE(exchange.requestHeader("Authorization"), header);
        QCOMPARE(result.allWellFormed(), accepted);
        if (accepted)
            continue;
        if (dialect == Dialect::Draft01) {
            // The registration was refused (401, not retried): the run says so and sends no
            // hook call.
            QVERIFY2(result.error.contains(u"registration"_s) && result.error.contains(u"401"_s),
                qPrintable(result.error));
            QVERIFY(result.stages.isEmpty());
            QCOMPARE(m_exchanges.size(), 1);
            continue;
        }
        // 401 is not retried.
        QCOMPARE(result.stages.constFirst().httpStatus, 401);
        QCOMPARE(result.stages.constFirst().attempts, 1);
        QCOMPARE(result.stages.constFirst().outcome.reply.code, 451);
    }
    QCOMPARE(Mock::HookClient::authorizationFor(u"none"_s), QByteArray());
    QCOMPARE(Mock::HookClient::authorizationFor(u"bearer:t"_s), QByteArray("Bearer t"));
}

QTEST_GUILESS_MAIN(TestMtaRegistration)
#include "tst_mta_registration.moc"
