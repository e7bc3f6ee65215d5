// SPDX-License-Identifier: GPL-3.0-or-later
// The mock MTA's requests from session recordings, in every dialect and encoding: Hookscope's own
// decoder reads every one of them without an Error or a Warning, body and document agree, the
// envelope a recording implies at each stage, and a session made from a bare message.
#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "tests/mta/mtatest.h"
#include "tests/mta/requestbuildertest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace MtaHooks;
using namespace RequestBuilderTest;
using Mock::RequestOptions;
using Mock::SessionRecording;
using Mock::SessionStage;

class TestMtaSessionRequests : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyRequestDecodes_data();
    void everyRequestDecodes();
    void bodyAndDocumentAgree_data();
    void bodyAndDocumentAgree();
    void envelopeAtStage();
    void sessionFromMessage();
};

void TestMtaSessionRequests::initTestCase()
{
    QCOMPARE(submission().stages.size(), 7);
    QCOMPARE(inbound().stages.size(), 6);
}

void TestMtaSessionRequests::everyRequestDecodes_data()
{
    QTest::addColumn<SessionRecording>("session");
    QTest::addColumn<int>("index");
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    const QList<std::pair<QString, SessionRecording>> sessions {{u"submission"_s, submission()},
        {u"inbound-mx"_s, inbound()}, {u"multipart-eml"_s, multipartFromEml()}};
    const QList<std::tuple<QString, Dialect, Encoding>> dialects {
        {u"stalwart"_s, Dialect::Stalwart, Encoding::Json},
        {u"draft-01-json"_s, Dialect::Draft01, Encoding::Json},
        {u"draft-01-cbor"_s, Dialect::Draft01, Encoding::Cbor},
        {u"draft-02-json"_s, Dialect::Draft02, Encoding::Json},
        {u"draft-02-cbor"_s, Dialect::Draft02, Encoding::Cbor},
    };
    for (const auto &[sessionName, session] : sessions) {
        for (const auto &[dialectName, dialect, encoding] : dialects) {
            for (int i = 0; i < session.stages.size(); ++i) {
                const SessionStage &stage = session.stages.at(i);
                QTest::addRow("%s-%s-%d-%s", qPrintable(sessionName), qPrintable(dialectName), i,
                    qPrintable(stageName(stage.stage)))
                    << session << i << dialect << encoding;
            }
        }
    }
}

void TestMtaSessionRequests::everyRequestDecodes()
{
    QFETCH(SessionRecording, session);
    QFETCH(int, index);
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    const HookRequest request = decoded(session, index, options(dialect, encoding));
    QVERIFY2(request.isDecoded(), qPrintable(MtaTest::describe(request.problems)));
    QVERIFY2(MtaTest::errorCount(request.problems) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    // Nothing the validator objects to at all, not even a warning, for these recordings.
    QVERIFY2(countOf(request.problems, Severity::Warning) == 0,
        qPrintable(MtaTest::describe(request.problems)));
    QCOMPARE(request.dialect, dialect);
    QCOMPARE(request.stage, session.stages.at(index).stage);
    QCOMPARE(request.encoding, dialect == Dialect::Stalwart ? Encoding::Json : encoding);
    QCOMPARE(request.hasMessage, request.stage == Stage::Data);
    if (request.hasMessage)
        QCOMPARE(request.rawMessage, session.rawMessage);
}

void TestMtaSessionRequests::bodyAndDocumentAgree_data()
{
    QTest::addColumn<Dialect>("dialect");
    QTest::addColumn<Encoding>("encoding");
    QTest::addRow("stalwart") << Dialect::Stalwart << Encoding::Json;
    QTest::addRow("draft-01-json") << Dialect::Draft01 << Encoding::Json;
    QTest::addRow("draft-01-cbor") << Dialect::Draft01 << Encoding::Cbor;
}

void TestMtaSessionRequests::bodyAndDocumentAgree()
{
    QFETCH(Dialect, dialect);
    QFETCH(Encoding, encoding);
    const SessionRecording session = submission();
    for (int i = 0; i < session.stages.size(); ++i) {
        const RequestOptions o = options(dialect, encoding);
        const QByteArray body
            = Mock::buildRequestBody(session, i, Mock::envelopeAtStage(session, i), o);
        const Document document = build(session, i, o);
        QVERIFY(document.isObject());
        QCOMPARE(Mock::encodeRequest(document, encoding), body);
    }
    QVERIFY(!build(session, -1, options(dialect, encoding)).isValid());
    QVERIFY(Mock::buildRequestBody(session, 99, {}, options(dialect, encoding)).isEmpty());
}

void TestMtaSessionRequests::envelopeAtStage()
{
    const SessionRecording session = submission();
    QVERIFY(!Mock::envelopeAtStage(session, 0).present);
    QVERIFY(!Mock::envelopeAtStage(session, 1).present);
    const MtaHooks::Envelope mail = Mock::envelopeAtStage(session, 2);
    QVERIFY(mail.present);
    QVERIFY(mail.to.isEmpty());
    QCOMPARE(Mock::envelopeAtStage(session, 3).recipients(), QStringList({u"trent@example.com"_s}));
    QCOMPARE(Mock::envelopeAtStage(session, 5).recipients(),
        QStringList({u"trent@example.com"_s, u"peggy@example.com"_s, u"victor@example.com"_s}));
    QCOMPARE(Mock::envelopeAtStage(session, 6).to.size(), 3);
    QVERIFY(!Mock::envelopeAtStage(session, 7).present);
}

void TestMtaSessionRequests::sessionFromMessage()
{
    const QByteArray lf = MtaTest::fixture(u"plain-lf.eml"_s);
    QVERIFY(!lf.contains('\r'));
    const SessionRecording session = Mock::sessionFromMessage(
        lf, u"mallory@example.org"_s, {u"trent@example.com"_s, u"peggy@example.com"_s});
    // Bare LF become CRLF, as SMTP carries them: the same bytes as the CRLF fixture.
    QCOMPARE(session.rawMessage, MtaTest::fixture(u"plain.eml"_s));
    QStringList stages;
    for (const SessionStage &stage : session.stages)
        stages << stageName(stage.stage)
                + (stage.recipient.isEmpty() ? QString() : u':' + stage.recipient);
    QCOMPARE(stages,
        QStringList({u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt:trent@example.com"_s,
            u"rcpt:peggy@example.com"_s, u"data"_s}));
    QVERIFY(session.envelope.present);
    QCOMPARE(session.envelope.from.address, u"mallory@example.org"_s);
    QVERIFY(!session.envelope.from.isNullSender);
    QCOMPARE(session.envelope.recipients(),
        QStringList({u"trent@example.com"_s, u"peggy@example.com"_s}));
    QVERIFY(session.hasMessage);
    QVERIFY(!session.id.isEmpty());
    // An empty sender is the null reverse-path.
    QVERIFY(
        Mock::sessionFromMessage(lf, QString(), {u"x@example.com"_s}).envelope.from.isNullSender);
}

QTEST_GUILESS_MAIN(TestMtaSessionRequests)
#include "tst_mta_sessionrequests.moc"
