// SPDX-License-Identifier: GPL-3.0-or-later
// The filter language: parsing, the normalised text, and the two evaluators (the store's SQL and
// the timeline's in-memory matcher), which must agree on every query.
//
// Input: the filter text as UTF-8.
#include "tests/fuzz/fuzzsupport.h"

#include "mock/capture/capturefilter_p.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/filterlanguage.h"
#include "mock/capture/querymatcher.h"

#include <QSet>

using namespace Mock;
using MtaHooks::Action;
using MtaHooks::Dialect;
using MtaHooks::Stage;
using MtaHooks::Verdict;

namespace {

// Calls whose fields hold what LIKE and globs treat specially (%, _, \, case, non-ASCII, NUL).
QList<Exchange> sampleCalls()
{
    const QDateTime base = QDateTime::fromMSecsSinceEpoch(1790000000000, Qt::UTC);
    QList<Exchange> calls;
    const auto add = [&](const QString &session, Stage stage, const QString &from,
                         const QStringList &to, const QString &subject) -> Exchange & {
        Exchange e;
        e.sessionKey = session;
        e.sequence = int(calls.size()) + 1;
        e.received = base.addMSecs(calls.size() * 1000);
        e.method = "POST";
        e.path = "/hook";
        e.stage = stage;
        e.stageName = MtaHooks::stageName(stage);
        e.dialect = Dialect::Stalwart;
        e.clientIp = QStringLiteral("203.0.113.7");
        e.mailFrom = from;
        e.recipients = to;
        e.subject = subject;
        e.ruleName = QStringLiteral("default");
        e.action = Action::Accept;
        e.verdict = Verdict::Accept;
        e.httpStatus = 200;
        calls.append(e);
        return calls.last();
    };
    add(QStringLiteral("s1"), Stage::Connect, {}, {}, {});
    add(QStringLiteral("s1"), Stage::Mail, QStringLiteral("Alice@Example.org"), {}, {});
    add(QStringLiteral("s1"), Stage::Rcpt, QStringLiteral("Alice@Example.org"),
        {QStringLiteral("bob@example.com"), QStringLiteral("c_d%e@example.net")}, {});
    Exchange &data = add(QStringLiteral("s1"), Stage::Data, QStringLiteral("Alice@Example.org"),
        {QStringLiteral("bob@example.com")}, QStringLiteral("ÄÖ report 50% a_b \\ \"q\""));
    data.messageSize = 1234;
    data.hasAttachment = true;
    data.problems = {{QString(), MtaHooks::Severity::Warning, QStringLiteral("w")}};
    Exchange &rejected = add(
        QStringLiteral("s-2 x"), Stage::Rcpt, QString(), {QStringLiteral("äö@exämple.de")}, {});
    rejected.dialect = Dialect::Draft01;
    rejected.action = Action::Reject;
    rejected.verdict = Verdict::Tempfail;
    rejected.replyCode = 451;
    rejected.ruleName = QStringLiteral("Greylist *once*");
    rejected.clientIp = QStringLiteral("2001:db8::1");
    Exchange &faulty = add(QStringLiteral("s-2 x"), Stage::Data, QStringLiteral("x@y"), {}, {});
    faulty.dialect = Dialect::Draft02;
    faulty.fault = QStringLiteral("reset");
    faulty.httpStatus = 0;
    faulty.problems = {{QStringLiteral("/a"), MtaHooks::Severity::Error, QStringLiteral("e")}};
    Exchange &held = add(QStringLiteral("s3"), Stage::Delivery, QStringLiteral("o@out.example"),
        {QStringLiteral("far@away.example")}, QStringLiteral("OUT"));
    held.held = true;
    held.httpStatus = 0;
    held.action = Action::None;
    held.verdict = Verdict::Held;
    Exchange &unknown = add(QStringLiteral("s3"), Stage::Unknown, {}, {}, {});
    unknown.stageName = QStringLiteral("Future_Stage");
    unknown.dialect = Dialect::Unknown;
    // What LIKE reads its own way (characters outside the BMP, text after a NUL, a path that is not
    // UTF-8) and recipients whose characters JSON escapes.
    Exchange &odd = add(QStringLiteral("s4"), Stage::Rcpt, QStringLiteral("😀@emoji.example"),
        {QStringLiteral("\"a b\"@x.example"), QStringLiteral("tab\there@x.example")},
        QStringLiteral("before") + QChar(0) + QStringLiteral("after"));
    odd.path = "/caf\xe9/\xa9/\xc3\xa9\xa9";
    Exchange &discovery = add(QString(), Stage::Unknown, {}, {}, {});
    discovery.kind = ExchangeKind::Discovery;
    discovery.method = "GET";
    discovery.path = "/.well-known/mta-hooks?x=%41_";
    discovery.stageName.clear();
    discovery.httpStatus = 404;
    return calls;
}

struct Fixture
{
    CaptureStore store;
    QList<Exchange> listed; // as the store lists them: what the timeline holds

    Fixture()
    {
        FUZZ_CHECK(store.open(QStringLiteral(":memory:")));
        QList<Exchange> calls = sampleCalls();
        FUZZ_CHECK(store.saveAll(calls));
        listed = store.list({}, 0, 1000);
        FUZZ_CHECK(listed.size() == calls.size());
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz::setUp();
    static Fixture *fixture = new Fixture; // one database for the whole run
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const FilterParseResult result = parseFilter(text);
    if (!result.isValid()) {
        FUZZ_CHECK(result.errorPosition >= 0 && result.errorPosition <= text.size());
        FUZZ_CHECK(result.errorLength >= 0
            && result.errorPosition + result.errorLength <= text.size() + 1);
        return 0;
    }
    // The normalised text means the same query and is its own normal form.
    const QString normalised = filterToString(result.query);
    const FilterParseResult again = parseFilter(normalised);
    FUZZ_CHECK(again.isValid());
    FUZZ_CHECK(again.query == result.query);
    FUZZ_CHECK(filterToString(again.query) == normalised);

    const Detail::SqlFilter sql = Detail::sqlFilter(result.query);
    FUZZ_CHECK(sql.where.count(u'?') == sql.binds.size());

    QSet<qint64> inStore;
    for (const Exchange &e : fixture->store.list(result.query, 0, 1000))
        inStore.insert(e.id);
    QSet<qint64> inMemory;
    for (const Exchange &e : fixture->listed) {
        if (matchesQuery(result.query, e))
            inMemory.insert(e.id);
    }
    FUZZ_CHECK(inStore == inMemory);
    return 0;
}
