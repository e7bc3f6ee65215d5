// SPDX-License-Identifier: GPL-3.0-or-later
// The two readings of the filter language against each other: for every expression of the table,
// the exchanges the store's SQL selects (list, count, sessions) are those the in-memory matcher
// accepts, both on the exchanges as the store lists them and as it announces them when saved
// (what the timeline matches live calls on). The table covers every field, every value of the
// closed sets, negation, quoting and the characters LIKE, JSON and globs treat specially.
#include "mock/capture/capturestore.h"
#include "mock/capture/filterlanguage.h"
#include "mock/capture/querymatcher.h"
#include "tests/capture/capturetest.h"

#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using Mock::CaptureQuery;
using Mock::CaptureStore;
using Mock::Exchange;
using Mock::ExchangeKind;
using MtaHooks::Action;
using MtaHooks::Dialect;
using MtaHooks::Severity;
using MtaHooks::Stage;
using MtaHooks::Verdict;
using Field = Mock::CaptureTerm::Field;

namespace {

// Calls that differ in every column a filter reads. Each is named by its note, which no filter
// reads. Values hold what LIKE, globs and JSON treat specially: %, _, \, quotes, ASCII and
// non-ASCII case, characters outside the BMP, NUL, bytes that are not UTF-8.
QList<Exchange> sampleCalls()
{
    QList<Exchange> calls;
    const auto add = [&calls](const QString &note, const QString &session, Stage stage,
                         Dialect dialect, Verdict verdict) -> Exchange & {
        Exchange e;
        e.note = note;
        e.sessionKey = session;
        e.sequence = int(calls.size()) + 1;
        e.received = CaptureTest::at(1790000000000 + calls.size() * 1000);
        e.peerAddress = u"127.0.0.1"_s;
        e.method = "POST";
        e.path = "/hook";
        e.stage = stage;
        e.stageName = MtaHooks::stageName(stage);
        e.dialect = dialect;
        e.encoding = MtaHooks::Encoding::Json;
        e.clientIp = u"203.0.113.7"_s;
        e.clientEhlo = u"mx.example.org"_s;
        e.ruleName = u"default"_s;
        e.verdict = verdict;
        switch (verdict) {
        case Verdict::Tempfail:
            e.action = Action::Reject;
            e.replyCode = 451;
            break;
        case Verdict::Reject:
            e.action = Action::Reject;
            e.replyCode = 550;
            break;
        case Verdict::Discard:
            e.action = Action::Discard;
            break;
        case Verdict::Quarantine:
            e.action = Action::Quarantine;
            break;
        case Verdict::Disconnect:
            e.action = Action::Disconnect;
            break;
        case Verdict::Continue:
            e.action = Action::Continue;
            break;
        case Verdict::Cancel:
            e.action = Action::Cancel;
            break;
        case Verdict::Accept:
            e.action = Action::Accept;
            e.replyCode = 250;
            break;
        case Verdict::None:
        case Verdict::Held:
        case Verdict::Error:
            break;
        }
        e.httpStatus = 200;
        e.latencyUs = 900;
        calls.append(e);
        return calls.last();
    };
    const QString alice = u"Alice@Example.org"_s;

    // s1: a whole inbound session in Stalwart's dialect.
    add(u"connect"_s, u"s1"_s, Stage::Connect, Dialect::Stalwart, Verdict::Accept);
    Exchange &ehlo = add(u"ehlo"_s, u"s1"_s, Stage::Ehlo, Dialect::Stalwart, Verdict::Accept);
    ehlo.clientIp = u"203.0.113.70"_s;
    add(u"auth"_s, u"s1"_s, Stage::Auth, Dialect::Stalwart, Verdict::Accept).httpStatus = 204;
    add(u"mail"_s, u"s1"_s, Stage::Mail, Dialect::Stalwart, Verdict::Accept).mailFrom = alice;
    Exchange &rcpt = add(u"rcpt"_s, u"s1"_s, Stage::Rcpt, Dialect::Stalwart, Verdict::Accept);
    rcpt.mailFrom = alice;
    rcpt.recipients = {u"bob@example.com"_s, u"c_d%e@example.net"_s};
    Exchange &data = add(u"data"_s, u"s1"_s, Stage::Data, Dialect::Stalwart, Verdict::Quarantine);
    data.mailFrom = alice;
    data.recipients = {u"bob@example.com"_s, u"\"last, first\"@example.com"_s};
    data.subject = u"ÄÖ report 50% a_b \\ \"q\""_s;
    data.messageSize = 1234;
    data.hasAttachment = true;
    data.problems = {{u"/message"_s, Severity::Warning, u"w"_s}};
    data.ruleName = u"Quarantine *big*"_s;

    // "S1": a session key that differs from s1 only in case; draft-01.
    Exchange &reject = add(u"reject"_s, u"S1"_s, Stage::Rcpt, Dialect::Draft01, Verdict::Reject);
    reject.mailFrom = u"spam[1]@bad.example"_s;
    reject.recipients = {u"victim@example.org"_s};
    reject.ruleName = u"Block spam"_s;
    reject.clientIp = u"198.51.100.200"_s;
    reject.problems = {{QString(), Severity::Info, u"i"_s}};

    // "s-2 x": a key with a space; draft-01 and draft-02, a tempfail, a fault and an error.
    Exchange &tempfail
        = add(u"tempfail"_s, u"s-2 x"_s, Stage::Rcpt, Dialect::Draft01, Verdict::Tempfail);
    tempfail.recipients = {u"äö@exämple.de"_s};
    tempfail.ruleName = u"Greylist *once*"_s;
    tempfail.clientIp = u"2001:db8::1"_s;
    tempfail.httpStatus = 503;
    Exchange &fault = add(u"fault"_s, u"s-2 x"_s, Stage::Data, Dialect::Draft02, Verdict::Error);
    fault.mailFrom = u"x@y"_s;
    fault.fault = u"reset"_s;
    fault.httpStatus = 0;
    fault.problems = {{u"/a"_s, Severity::Error, u"e"_s}, {u"/b"_s, Severity::Warning, u"w"_s}};
    fault.ruleName = QString();

    // s3: outbound, in draft-02: held calls (as parked, and as a held call without a verdict yet),
    // and a stage this build does not know.
    Exchange &held = add(u"held"_s, u"s3"_s, Stage::Delivery, Dialect::Draft02, Verdict::Held);
    held.held = true;
    held.httpStatus = 0;
    held.mailFrom = u"o@out.example"_s;
    held.recipients = {u"far@away.example"_s};
    held.subject = u"OUT"_s;
    held.ruleName = u"hold"_s;
    Exchange &parked = add(u"parked"_s, u"s3"_s, Stage::Dsn, Dialect::Draft02, Verdict::None);
    parked.held = true;
    parked.httpStatus = 0;
    parked.ruleName = u"hold"_s;
    add(u"route"_s, u"s3"_s, Stage::Route, Dialect::Draft02, Verdict::Continue).httpStatus = 500;
    add(u"defer"_s, u"s3"_s, Stage::Defer, Dialect::Draft02, Verdict::Cancel).httpStatus = 404;
    Exchange &future = add(u"future"_s, u"s3"_s, Stage::Unknown, Dialect::Unknown, Verdict::None);
    future.stageName = u"Future_Stage"_s;
    future.problems = {{QString(), Severity::Error, u"unknown stage"_s}};
    future.httpStatus = 400;

    // s4: SMTPUTF8 addresses, characters outside the BMP, a quoted local part with a space.
    Exchange &utf8 = add(u"utf8"_s, u"s4"_s, Stage::Data, Dialect::Draft02, Verdict::Discard);
    utf8.mailFrom = u"jörg@exämple.de"_s;
    utf8.recipients = {u"😀@emoji.example"_s, u"\"a b\"@x.example"_s};
    utf8.subject = u"Grüße 🎉 party"_s;
    utf8.messageSize = 0;
    utf8.ruleName = u"Règle"_s;
    Exchange &emoji = add(u"emoji"_s, u"s4"_s, Stage::Mail, Dialect::Draft02, Verdict::Disconnect);
    emoji.mailFrom = u"😀@emoji.example"_s;
    emoji.clientIp = u"2001:db8::2"_s;

    // s5: a recipient with a tab and one with a backslash (JSON escapes both); NUL in text.
    Exchange &escapes = add(u"escapes"_s, u"s5"_s, Stage::Rcpt, Dialect::Draft01, Verdict::Accept);
    escapes.mailFrom = u"back\\slash@example.org"_s;
    escapes.recipients = {u"tab\there@example.org"_s, u"back\\slash@example.org"_s};
    Exchange &nul = add(u"nul"_s, u"s5"_s, Stage::Data, Dialect::Draft01, Verdict::Accept);
    nul.mailFrom = u"nul"_s + QChar(0) + u"@example.org"_s;
    nul.recipients = {u"zero"_s + QChar(0) + u"@example.org"_s};
    nul.subject = u"before"_s + QChar(0) + u"after"_s;
    nul.messageSize = 10;

    // The control plane and strays: no session, no stage, no dialect.
    const auto control = [&add](const QString &note, ExchangeKind kind, const QByteArray &method,
                             const QByteArray &path, int status) -> Exchange & {
        Exchange &e = add(note, QString(), Stage::Unknown, Dialect::Unknown, Verdict::None);
        e.kind = kind;
        e.method = method;
        e.path = path;
        e.stageName.clear();
        e.ruleName.clear();
        e.httpStatus = status;
        return e;
    };
    control(u"discovery"_s, ExchangeKind::Discovery, "GET", "/.well-known/mta-hooks?x=%41_", 200);
    control(u"registration"_s, ExchangeKind::Registration, "POST", "/registrations", 201);
    control(u"status"_s, ExchangeKind::Status, "GET", "/registrations/R_1", 200);
    control(u"deregistration"_s, ExchangeKind::Deregistration, "DELETE", "/registrations/R_1", 204);
    Exchange &other = control(u"other"_s, ExchangeKind::Other, "GET", "/favicon.ico", 404);
    other.problems = {{QString(), Severity::Warning, u"not a hook path"_s}};
    // A request target is bytes (the endpoint refuses only controls): Latin-1, a stray
    // continuation byte, a lead byte with two continuation bytes too many, an overlong '/', a
    // surrogate, U+FFFF and a character outside the BMP.
    control(u"rawpath"_s, ExchangeKind::Other, "GET", "/caf\xe9/\xa9/x", 404);
    control(u"rawpath2"_s, ExchangeKind::Other, "GET",
        "/\xc3\xa9\xa9/\xc0\xaf/\xed\xa0\x80/\xef\xbf\xbf/\xf0\x9f\x98\x80", 404);
    return calls;
}

// The filter expressions. Closed sets are listed whole by closedSetExpressions().
const char *const expressions[] = {
    // Nothing, and terms that match everything.
    "",
    "from:*",
    "-from:*",
    "to:*",
    "-to:*",
    "client:*",
    "-client:*",
    // stage: case, and a stage this build does not know (not a valid value, so only as text).
    "STAGE:RCPT",
    "Stage:Data -stage:rcpt",
    "future_stage",
    "stage:rcpt stage:data",
    // from: globs, exact, case, the null sender, LIKE's own characters, brackets.
    "from:alice@example.org",
    "from:ALICE@EXAMPLE.ORG",
    "from:*@example.org",
    "from:al?ce@*",
    "from:al*",
    "from:alice",
    "from:\"\"",
    "-from:\"\"",
    "from:x@y",
    "from:?@?",
    "from:spam[1]@*",
    "from:spam?1?@bad.example",
    "from:spam_1_@*",
    "from:%",
    "from:*%*",
    "from:*_*",
    "from:back\\slash@*",
    "from:*\\*",
    "from:jörg@*",
    "from:JÖRG@*",
    "from:JöRG@*",
    "from:j?rg@*",
    "from:?@emoji.example",
    "from:??@emoji.example",
    "from:*@emoji.example",
    "from:nul*",
    "from:nul?@example.org",
    "from:*@example.org -from:alice*",
    // to: per recipient, quoted local parts, JSON's escapes, characters outside the BMP.
    "to:bob@example.com",
    "to:BOB@*",
    "to:*@example.com",
    "to:*.net",
    "-to:bob@*",
    "to:bob*test",
    "to:bob*net",
    "to:c_d%e@*",
    "to:c?d?e@*",
    "to:\"\"",
    "-to:\"\"",
    "to:\"\\\"last, first\\\"@example.com\"",
    "to:\"*first\\\"@example.com\"",
    "to:\"?last, first?@example.com\"",
    "to:\"?a b?@x.example\"",
    "to:\"*a b*\"",
    "to:tab?here@*",
    "to:tab*here@*",
    "to:back?slash@*",
    "to:back\\slash@*",
    "to:*\\*",
    "to:?@emoji.example",
    "to:??@emoji.example",
    "to:äö@*",
    "to:ÄÖ@*",
    "to:zero*",
    "to:zero?@example.org",
    "to:*@example.org to:*@example.com",
    // action: action names and verdict names, held both ways.
    "action:reject -action:tempfail",
    "action:held -action:accept",
    // status: codes and classes, present and absent.
    "status:200",
    "status:204",
    "status:201",
    "status:250",
    "status:404",
    "status:503",
    "status:1xx",
    "status:3xx",
    "status:9xx",
    "STATUS:5XX",
    "-status:200 -status:5xx",
    // smtp: the SMTP reply code, apart from the HTTP status; http: the HTTP status again.
    // (the classes on their own come with every closed-set value below)
    "smtp:550",
    "smtp:451",
    "smtp:4xx -smtp:451",
    "SMTP:5XX http:2xx",
    "http:503",
    "http:5xx -status:5xx",
    "smtp:5xx -http:2xx",
    // dialect: names and aliases.
    "dialect:legacy",
    "dialect:draft01",
    "dialect:DRAFT02",
    "-dialect:stalwart -dialect:draft-01 -dialect:draft-02",
    // session: exact, case-sensitive, empty, with a space.
    "session:s1",
    "session:S1",
    "-session:s1",
    "session:\"s-2 x\"",
    "-session:\"s-2 x\"",
    "session:s-2",
    "session:\"\"",
    "-session:\"\"",
    "session:s*",
    // rule: exact but for ASCII case, not a glob, empty.
    "rule:default",
    "rule:DEFAULT",
    "rule:\"block spam\"",
    "rule:\"Greylist *once*\"",
    "rule:greylist*",
    "rule:\"Quarantine *big*\"",
    "rule:règle",
    "rule:RÈGLE",
    "rule:RèGLE",
    "rule:\"\"",
    "-rule:\"\"",
    "-rule:hold",
    // client: globs over v4 and v6.
    "client:203.0.113.7",
    "client:203.0.113.*",
    "client:203.0.113.?",
    "client:203.0.113.??",
    "client:2001:db8::*",
    "client:2001:DB8::?",
    "-client:2001:db8::*",
    "client:\"\"",
    "-client:\"\"",
    // Free text: each searched column, case, literal LIKE characters, quotes and escapes.
    "report",
    "REPORT",
    "äö",
    "ÄÖ",
    "Grüße",
    "GRÜSSE",
    "🎉",
    "😀",
    "50%",
    "%",
    "a_b",
    "_",
    "*",
    "?",
    "\"\\\\\"",
    "\"\\\"q\\\"\"",
    "it\"s",
    "\"a b\"",
    "\"a, b\"",
    "\"last, first\"",
    "example.net\",\"carol",
    "\"com\\\",\\\"\"",
    "example.com\",\"",
    "tab",
    "here",
    "back\\slash",
    "back\\\\slash",
    "bob@example.com",
    "/hook",
    "/HOOK",
    "well-known",
    "%41_",
    "registrations/r_1",
    "caf",
    "caf\xc3\xa9",
    "\xef\xbf\xbd",
    "\xc2\xa9",
    "\xc3\xa9",
    "\xe3\xa9\xa9",
    "/\xef\xbf\xbd/\xef\xbf\xbd/",
    "spam",
    "greylist",
    "*once*",
    "règle",
    "203.0.113",
    "db8::1",
    "2001:db8::1",
    "connect",
    "FUTURE",
    "-",
    "- report",
    "before",
    "after",
    "nul",
    "zero",
    // Columns free text does not search.
    "mx.example",
    "127.0.0.1",
    "quarantine",
    "reset",
    "unknown stage",
    "rcpt-note",
    // Negated free text and quoted text that looks like a field.
    "-report",
    "-example",
    "-\"a b\"",
    "\"stage:rcpt\"",
    "-\"stage:rcpt\"",
    "\"-x\"",
    // Combinations.
    "stage:rcpt from:alice@* -action:reject",
    "has:problem -has:error",
    "has:message -has:attachment",
    "kind:hook -dialect:stalwart status:2xx",
    "-kind:hook status:2xx",
    "session:s3 -action:held",
    "stage:data has:attachment report",
    "client:2001:* -action:disconnect",
    "to:*@example.com -to:bob@*",
    "example -example",
};

// Every value of every closed-set field, on its own and negated.
QStringList closedSetExpressions()
{
    QStringList texts;
    for (const QString &field : Mock::filterFieldNames()) {
        for (const QString &value : Mock::filterFieldValues(field)) {
            texts.append(field + u':' + value);
            texts.append(u'-' + field + u':' + value);
        }
    }
    return texts;
}

// Filters at the parser's limits, which keep them within what SQLite evaluates.
QStringList limitExpressions()
{
    const QStringList cycle {u"e"_s, u"-zzz"_s, u"from:*"_s, u"-to:nobody@*"_s, u"client:*"_s,
        u"-session:none"_s, u"-status:9xx"_s, u"-rule:none"_s, u"-has:fault"_s, u"-kind:other"_s};
    QStringList terms;
    for (int i = 0; i < Mock::MaxFilterTerms; ++i)
        terms.append(cycle.at(i % cycle.size()));
    const auto repeated
        = [](const QString &piece, int length) { return piece.repeated(length / piece.size()); };
    const int longest = Mock::MaxFilterValueLength;
    return {terms.join(u' '), u"from:"_s + repeated(u"*"_s, longest),
        u"to:"_s + repeated(u"*?"_s, longest), u"-"_s + repeated(u"%_"_s, longest),
        u"-rule:"_s + repeated(u"\\"_s, longest), u"\""_s + repeated(u"🎉"_s, longest) + u'"'};
}

QStringList allExpressions()
{
    QStringList texts;
    for (const char *text : expressions)
        texts.append(QString::fromUtf8(text));
    return texts + closedSetExpressions() + limitExpressions();
}

// A data tag: the text, or its start and length when it is long.
QString tagOf(const QString &text)
{
    if (text.isEmpty())
        return u"(empty)"_s;
    if (text.size() <= 80)
        return text;
    return u"%1… (%2 characters)"_s.arg(text.left(40)).arg(text.size());
}

QSet<qint64> idsOf(const QList<Exchange> &exchanges)
{
    QSet<qint64> ids;
    for (const Exchange &e : exchanges)
        ids.insert(e.id);
    return ids;
}

QSet<qint64> matching(const CaptureQuery &query, const QList<Exchange> &exchanges)
{
    QSet<qint64> ids;
    for (const Exchange &e : exchanges) {
        if (Mock::matchesQuery(query, e))
            ids.insert(e.id);
    }
    return ids;
}

} // namespace

class TestCaptureFilterReadings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tableCoversTheLanguage();
    void readingsAgree_data();
    void readingsAgree();
    void formerDisagreements_data();
    void formerDisagreements();
    void replyCodesAndHttpStatus_data();
    void replyCodesAndHttpStatus() { formerDisagreements(); }

private:
    // The notes of the ids, sorted: what a failure shows.
    QString notes(const QSet<qint64> &ids) const;

    CaptureStore m_store;
    QList<Exchange> m_announced; // as exchangeSaved carried them (what live calls are matched on)
    QList<Exchange> m_listed; // as the store lists them (what the timeline's pages hold)
};

void TestCaptureFilterReadings::initTestCase()
{
    QVERIFY2(m_store.open(u":memory:"_s), qPrintable(m_store.lastError()));
    QSignalSpy saved(&m_store, &CaptureStore::exchangeSaved);
    const QList<Exchange> calls = sampleCalls();
    for (Exchange e : calls)
        QVERIFY2(m_store.save(e), qPrintable(m_store.lastError()));
    QCOMPARE(saved.count(), calls.size());
    for (const QList<QVariant> &arguments : std::as_const(saved))
        m_announced.append(arguments.at(0).value<Exchange>());
    m_listed = m_store.list({}, 0, 1000);
    QCOMPARE(m_listed.size(), calls.size());
    for (qsizetype i = 0; i < calls.size(); ++i) {
        const QString lost = CaptureTest::difference(m_listed.at(i), m_announced.at(i), false);
        QVERIFY2(lost.isEmpty(), qPrintable(calls.at(i).note + u": "_s + lost));
    }
}

// Every field appears in the table, plain and negated, and the parser reads every expression.
void TestCaptureFilterReadings::tableCoversTheLanguage()
{
    QSet<std::pair<int, bool>> seen;
    const QStringList texts = allExpressions();
    QSet<QString> tags;
    for (const QString &text : texts)
        tags.insert(tagOf(text));
    QCOMPARE(tags.size(), texts.size());
    for (const QString &text : texts) {
        const Mock::FilterParseResult result = Mock::parseFilter(text);
        QVERIFY2(result.isValid(), qPrintable(text + u": "_s + result.error));
        for (const Mock::CaptureTerm &term : result.query.terms)
            seen.insert({int(term.field), term.negated});
    }
    for (int field = int(Field::Text); field <= int(Field::Http); ++field) {
        QVERIFY2(seen.contains({field, false}), qPrintable(QString::number(field)));
        QVERIFY2(seen.contains({field, true}), qPrintable(QString::number(field)));
    }
}

void TestCaptureFilterReadings::readingsAgree_data()
{
    QTest::addColumn<QString>("text");
    for (const QString &text : allExpressions())
        QTest::addRow("%s", qPrintable(tagOf(text))) << text;
}

void TestCaptureFilterReadings::readingsAgree()
{
    QFETCH(QString, text);
    const Mock::FilterParseResult result = Mock::parseFilter(text);
    QVERIFY2(result.isValid(), qPrintable(result.error));
    const CaptureQuery &query = result.query;
    QSignalSpy failed(&m_store, &CaptureStore::errorOccurred);

    const QSet<qint64> inStore = idsOf(m_store.list(query, 0, 1000));
    const QSet<qint64> inListed = matching(query, m_listed);
    const QSet<qint64> inAnnounced = matching(query, m_announced);
    QVERIFY2(inStore == inListed,
        qPrintable(u"SQL only: %1; in memory only: %2"_s.arg(
            notes(inStore - inListed), notes(inListed - inStore))));
    QVERIFY2(inStore == inAnnounced,
        qPrintable(u"SQL only: %1; in memory (as announced) only: %2"_s.arg(
            notes(inStore - inAnnounced), notes(inAnnounced - inStore))));
    QCOMPARE(m_store.count(query), qint64(inStore.size()));

    // The session list: the sessions with at least one matching call.
    QSet<QString> sessionsInMemory;
    for (const Exchange &e : m_listed) {
        if (inStore.contains(e.id))
            sessionsInMemory.insert(e.sessionKey);
    }
    QSet<QString> sessionsInStore;
    for (const Mock::SessionSummary &session : m_store.sessions(query, 0, 1000))
        sessionsInStore.insert(session.sessionKey);
    QCOMPARE(sessionsInStore, sessionsInMemory);
    QCOMPARE(m_store.sessionCount(query), qint64(sessionsInMemory.size()));
    QVERIFY2(failed.isEmpty(), qPrintable(m_store.lastError()));
}

// Where the two readings once disagreed, and what both select now: the reading the filter
// language's description (filterlanguage.h) calls right.
void TestCaptureFilterReadings::formerDisagreements_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected"); // notes, sorted
    const auto row = [](const char *text, const QStringList &expected) {
        QTest::addRow("%s", text) << QString::fromUtf8(text) << expected;
    };
    // '?' is one character, also outside the BMP: the matcher took a UTF-16 unit.
    row("from:?@emoji.example", {u"emoji"_s});
    row("from:??@emoji.example", {});
    row("to:?@emoji.example", {u"utf8"_s});
    // '?' over a character JSON escapes: the SQL's quick test over the recipients' JSON text
    // read it as one character of that text.
    row("to:\"?a b?@x.example\"", {u"utf8"_s});
    row("to:\"?last, first?@example.com\"", {u"data"_s});
    row("to:tab?here@*", {u"escapes"_s});
    row("to:back?slash@*", {u"escapes"_s});
    // An empty session key: a parsed "" is a null QString, which Qt bound as SQL NULL.
    row("session:\"\"",
        {u"deregistration"_s, u"discovery"_s, u"other"_s, u"rawpath"_s, u"rawpath2"_s,
            u"registration"_s, u"status"_s});
    // Text after a NUL: LIKE reads up to the NUL; the matcher read on.
    row("before", {u"nul"_s});
    row("after", {});
    row("from:nul*", {u"nul"_s});
    row("from:nul?@example.org", {});
    row("to:zero?@example.org", {});
    // A path that is not UTF-8, read as SQLite reads it (the matcher read it as Qt does).
    row("\xc2\xa9", {u"rawpath"_s});
    row("\xc3\xa9", {});
    row("\xe3\xa9\xa9", {u"rawpath2"_s});
    row("/\xef\xbf\xbd/\xef\xbf\xbd/", {u"rawpath2"_s});
}

// smtp: reads the SMTP reply the answer leads to, http: and status: the HTTP status: a 550
// reject answered with HTTP 200 is smtp:5xx and not status:5xx (the README's old example).
void TestCaptureFilterReadings::replyCodesAndHttpStatus_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected"); // notes, sorted
    const auto row = [](const char *text, const QStringList &expected) {
        QTest::addRow("%s", text) << QString::fromUtf8(text) << expected;
    };
    row("smtp:5xx", {u"reject"_s});
    row("smtp:550", {u"reject"_s});
    row("smtp:4xx", {u"tempfail"_s});
    row("status:5xx", {u"route"_s, u"tempfail"_s});
    row("http:5xx", {u"route"_s, u"tempfail"_s});
    row("smtp:5xx http:2xx", {u"reject"_s});
}

void TestCaptureFilterReadings::formerDisagreements()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    const Mock::FilterParseResult result = Mock::parseFilter(text);
    QVERIFY2(result.isValid(), qPrintable(result.error));
    const QSet<qint64> inStore = idsOf(m_store.list(result.query, 0, 1000));
    QCOMPARE(notes(inStore), expected.isEmpty() ? u"-"_s : expected.join(u", "_s));
    QCOMPARE(notes(matching(result.query, m_announced)), notes(inStore));
}

QString TestCaptureFilterReadings::notes(const QSet<qint64> &ids) const
{
    QStringList names;
    for (const Exchange &e : m_listed) {
        if (ids.contains(e.id))
            names.append(e.note);
    }
    std::sort(names.begin(), names.end());
    return names.isEmpty() ? u"-"_s : names.join(u", "_s);
}

QTEST_MAIN(TestCaptureFilterReadings)
#include "tst_capture_filterreadings.moc"
