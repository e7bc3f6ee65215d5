// SPDX-License-Identifier: GPL-3.0-or-later
// `hookscope conform --scanner` against Hookscope's own mock scanner: `hookscope serve --strict`
// passes every check; lenient `serve` answers what strict mode refuses.
#include "tests/conform/conformtest.h"
#include "tests/support/testcerts.h"

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace ConformTest;

namespace {

const QString Token = u"conform-serve-token-0123456789abcdef"_s;

// A running `hookscope serve` on a free loopback port, with bearer authentication and a small
// body limit (so the 413 probe stays small).
class Serve : public Child
{
public:
    explicit Serve(const QStringList &extra)
        : Child(TestSupport::hookscopeBinary(),
            QStringList {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, u":memory:"_s,
                u"--auth"_s, u"bearer:"_s + Token, u"--body-limit"_s, u"1000000"_s}
                + extra)
    {
        static const QRegularExpression listening(u"listening on \"?https?://[^ ]*:(\\d+)"_s);
        port = waitPort(listening, false);
        https = extra.contains(u"--tls-cert"_s);
    }
    Conform::Target target(MtaHooks::Dialect dialect = MtaHooks::Dialect::Draft01) const
    {
        Conform::Target t;
        t.url = QUrl(u"%1://127.0.0.1:%2"_s.arg(https ? u"https"_s : u"http"_s).arg(port));
        if (dialect == MtaHooks::Dialect::Stalwart)
            t.url.setPath(u"/hook"_s);
        t.dialect = dialect;
        t.auth = u"bearer:"_s + Token;
        t.timeoutMs = 20000;
        return t;
    }
    quint16 port = 0;
    bool https = false;
};

} // namespace

class TestConformServe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void strictServePassesEveryCheck_data();
    void strictServePassesEveryCheck();
    void lenientServeAnswersWhatStrictRefuses();
    void strictServeOverTls();
};

void TestConformServe::strictServePassesEveryCheck_data()
{
    QTest::addColumn<MtaHooks::Dialect>("dialect");
    QTest::newRow("draft-01") << MtaHooks::Dialect::Draft01;
    QTest::newRow("draft-02") << MtaHooks::Dialect::Draft02;
    QTest::newRow("stalwart") << MtaHooks::Dialect::Stalwart;
}

void TestConformServe::strictServePassesEveryCheck()
{
    QFETCH(MtaHooks::Dialect, dialect);
    Serve serve({u"--strict"_s});
    QVERIFY2(serve.port != 0, serve.err.constData());
    const QList<Conform::Result> results = runChecks(serve.target(dialect));
    QCOMPARE(results.size(), Conform::checksFor(dialect).size());
    QVERIFY2(idsWith(results, Conform::Status::Fail).isEmpty(), describe(results).constData());
    QVERIFY2(idsWith(results, Conform::Status::Skip).isEmpty(), describe(results).constData());
}

void TestConformServe::lenientServeAnswersWhatStrictRefuses()
{
    Serve serve({});
    QVERIFY2(serve.port != 0, serve.err.constData());
    const QList<Conform::Result> results = runChecks(serve.target());
    // Lenient serve also answers MTAs configured by hand (unknown registrations), without a
    // request id, and with requests the validator rejects, as long as they parse.
    const QStringList expected {
        u"hook.unknown-registration"_s, u"hook.missing-request-id"_s, u"hook.malformed"_s};
    QVERIFY2(idsWith(results, Conform::Status::Fail) == expected, describe(results).constData());
}

void TestConformServe::strictServeOverTls()
{
    TestCerts::Set certs;
    HOOKSCOPE_MAKE_TEST_CERTS(certs);
    Serve serve(
        {u"--strict"_s, u"--tls-cert"_s, certs.serverCertificate, u"--tls-key"_s, certs.serverKey});
    QVERIFY2(serve.port != 0, serve.err.constData());
    Conform::Target target = serve.target();
    QCOMPARE(target.url.scheme(), u"https"_s);
    // Not trusted: nothing gets through, as for a scanner that is down.
    bool unreachable = false;
    QList<Conform::Result> results = runChecks(target, &unreachable);
    QVERIFY(unreachable);
    QCOMPARE(idsWith(results, Conform::Status::Pass), QStringList {});

    target.tls.caCertificates = certs.caCertificate;
    // The 413 probe included: serve lingers after a refusal over TLS too (no close_notify while
    // the body is still arriving), so the answer reaches the client.
    const QList<Conform::Check> checks = Conform::checksFor(MtaHooks::Dialect::Draft01);
    QVERIFY(std::any_of(checks.cbegin(), checks.cend(),
        [](const Conform::Check &check) { return check.id == u"hook.too-large"_s; }));
    results = runChecks(target, &unreachable, checks);
    QVERIFY(!unreachable);
    QVERIFY2(idsWith(results, Conform::Status::Fail).isEmpty(), describe(results).constData());
    QVERIFY2(idsWith(results, Conform::Status::Skip).isEmpty(), describe(results).constData());
}

QTEST_GUILESS_MAIN(TestConformServe)
#include "tst_conform_serve.moc"
