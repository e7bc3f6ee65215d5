// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP words shared by the endpoint, the replayer, the HAR export and the window.
#include "mock/capture/httpvocabulary.h"

#include <QTest>

using namespace Qt::StringLiterals;
using Mock::HttpAuth;

class TstCaptureHttpVocabulary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void looksHeadersUpInAnyCase();
    void namesStatusCodes();
    void readsAuthSpecs_data();
    void readsAuthSpecs();
    void refusesMalformedAuthSpecs_data();
    void refusesMalformedAuthSpecs();
};

void TstCaptureHttpVocabulary::looksHeadersUpInAnyCase()
{
    const Mock::HttpHeaders headers {
        {"Content-Type", "application/json"}, {"X-Dup", "first"}, {"x-dup", "second"}};
    QCOMPARE(Mock::headerValue(headers, "content-type"), QByteArray("application/json"));
    QCOMPARE(Mock::headerValue(headers, "X-DUP"), QByteArray("first"));
    QCOMPARE(Mock::headerValue(headers, "Content-Length"), QByteArray());
}

void TstCaptureHttpVocabulary::namesStatusCodes()
{
    QCOMPARE(Mock::reasonPhrase(200), QByteArray("OK"));
    QCOMPARE(Mock::reasonPhrase(413), QByteArray("Content Too Large")); // RFC 9110, not 7231
    QCOMPARE(Mock::reasonPhrase(422), QByteArray("Unprocessable Content"));
    QCOMPARE(Mock::reasonPhrase(505), QByteArray("HTTP Version Not Supported"));
    QCOMPARE(Mock::reasonPhrase(299), QByteArray());
}

void TstCaptureHttpVocabulary::readsAuthSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("scheme");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QString>("description");
    QTest::addColumn<QString>("again");

    QTest::addRow("none") << u"none"_s << int(HttpAuth::Scheme::None) << QByteArray() << u"none"_s
                          << u"none"_s;
    QTest::addRow("empty") << QString() << int(HttpAuth::Scheme::None) << QByteArray() << u"none"_s
                           << u"none"_s;
    QTest::addRow("bearer") << u"bearer:t0k:en"_s << int(HttpAuth::Scheme::Bearer)
                            << QByteArray("Bearer t0k:en") << u"bearer token"_s
                            << u"bearer:t0k:en"_s;
    QTest::addRow("basic") << u"basic:mta:s3:cret"_s << int(HttpAuth::Scheme::Basic)
                           << "Basic " + QByteArray("mta:s3:cret").toBase64() << u"basic (mta)"_s
                           << u"basic:mta:s3:cret"_s;
    QTest::addRow("basic, empty password")
        << u"basic:mta:"_s << int(HttpAuth::Scheme::Basic)
        << "Basic " + QByteArray("mta:").toBase64() << u"basic (mta)"_s << u"basic:mta:"_s;
}

void TstCaptureHttpVocabulary::readsAuthSpecs()
{
    QFETCH(QString, spec);
    QFETCH(int, scheme);
    QFETCH(QByteArray, authorization);
    QFETCH(QString, description);
    QFETCH(QString, again);
    const std::optional<HttpAuth> auth = HttpAuth::parse(spec);
    QVERIFY(auth);
    QCOMPARE(int(auth->scheme), scheme);
    QCOMPARE(auth->authorization(), authorization);
    QCOMPARE(auth->description(), description);
    QCOMPARE(auth->spec(), again);
    QCOMPARE(HttpAuth::parse(auth->spec()), auth);
}

void TstCaptureHttpVocabulary::refusesMalformedAuthSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addRow("bearer without a token") << u"bearer:"_s;
    QTest::addRow("basic without a user") << u"basic::pass"_s;
    QTest::addRow("basic without a colon") << u"basic:user"_s;
    QTest::addRow("unknown scheme") << u"digest:x"_s;
    QTest::addRow("capitals") << u"Bearer:x"_s;
}

void TstCaptureHttpVocabulary::refusesMalformedAuthSpecs()
{
    QFETCH(QString, spec);
    QString error;
    QVERIFY(!HttpAuth::parse(spec, &error));
    QCOMPARE(error, u"auth must be none, bearer:TOKEN or basic:USER:PASS"_s);
}

QTEST_GUILESS_MAIN(TstCaptureHttpVocabulary)
#include "tst_capture_httpvocabulary.moc"
