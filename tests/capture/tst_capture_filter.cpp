// SPDX-License-Identifier: GPL-3.0-or-later
// The filter language as text: parsing, errors and their positions, the normalised text, and the
// field names and values offered for completion.
#include "mock/capture/filterlanguage.h"
#include "tests/capture/capturetest.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace CaptureTest;
using namespace Mock;
using Field = Mock::CaptureTerm::Field;

Q_DECLARE_METATYPE(Mock::CaptureQuery)

namespace {

QString describe(const CaptureQuery &q)
{
    QStringList parts;
    for (const CaptureTerm &t : q.terms)
        parts.append(
            u"%1%2=%3"_s.arg(t.negated ? u"-"_s : QString()).arg(int(t.field)).arg(t.value));
    return parts.join(u" | "_s);
}

} // namespace

class TestCaptureFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
    void rejects_data();
    void rejects();
    void roundTrips_data();
    void roundTrips();
    void normalisesText_data();
    void normalisesText();
    void fieldNames();
    void fieldValues();
    void limits();
};

void TestCaptureFilter::parses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<CaptureQuery>("expected");

    QTest::addRow("empty") << u""_s << CaptureQuery {};
    QTest::addRow("spaces only") << u"  \t "_s << CaptureQuery {};
    QTest::addRow("stage") << u"stage:rcpt"_s << query({term(Field::Stage, u"rcpt"_s)});
    QTest::addRow("stage upper case") << u"Stage:RCPT"_s << query({term(Field::Stage, u"rcpt"_s)});
    QTest::addRow("from glob") << u"from:*@example.org"_s
                               << query({term(Field::From, u"*@example.org"_s)});
    QTest::addRow("to glob") << u"to:bob@*"_s << query({term(Field::To, u"bob@*"_s)});
    QTest::addRow("action") << u"action:reject"_s << query({term(Field::Action, u"reject"_s)});
    QTest::addRow("action verdict")
        << u"action:tempfail"_s << query({term(Field::Action, u"tempfail"_s)});
    QTest::addRow("action held") << u"action:held"_s << query({term(Field::Action, u"held"_s)});
    QTest::addRow("status code") << u"status:250"_s << query({term(Field::Status, u"250"_s)});
    QTest::addRow("status class") << u"status:5XX"_s << query({term(Field::Status, u"5xx"_s)});
    QTest::addRow("smtp class") << u"smtp:5XX"_s << query({term(Field::Smtp, u"5xx"_s)});
    QTest::addRow("smtp code") << u"SMTP:550"_s << query({term(Field::Smtp, u"550"_s)});
    QTest::addRow("http class") << u"http:5xx"_s << query({term(Field::Http, u"5xx"_s)});
    QTest::addRow("has attachment")
        << u"has:attachment"_s << query({term(Field::Has, u"attachment"_s)});
    QTest::addRow("has problem") << u"has:problem"_s << query({term(Field::Has, u"problem"_s)});
    QTest::addRow("has error") << u"has:error"_s << query({term(Field::Has, u"error"_s)});
    QTest::addRow("has message") << u"has:message"_s << query({term(Field::Has, u"message"_s)});
    QTest::addRow("has fault") << u"has:fault"_s << query({term(Field::Has, u"fault"_s)});
    QTest::addRow("dialect") << u"dialect:draft-01"_s
                             << query({term(Field::Dialect, u"draft-01"_s)});
    QTest::addRow("dialect alias")
        << u"dialect:legacy"_s << query({term(Field::Dialect, u"stalwart"_s)});
    QTest::addRow("dialect draft02")
        << u"dialect:DRAFT02"_s << query({term(Field::Dialect, u"draft-02"_s)});
    QTest::addRow("session") << u"session:Ab12-x"_s << query({term(Field::Session, u"Ab12-x"_s)});
    QTest::addRow("session empty quoted")
        << u"session:\"\""_s << query({term(Field::Session, u""_s)});
    QTest::addRow("rule") << u"rule:block-spam"_s << query({term(Field::Rule, u"block-spam"_s)});
    QTest::addRow("rule quoted") << u"rule:\"Block spam\""_s
                                 << query({term(Field::Rule, u"Block spam"_s)});
    QTest::addRow("client") << u"client:203.0.113.*"_s
                            << query({term(Field::Client, u"203.0.113.*"_s)});
    QTest::addRow("kind") << u"kind:discovery"_s << query({term(Field::Kind, u"discovery"_s)});
    QTest::addRow("free text") << u"invoice"_s << query({term(Field::Text, u"invoice"_s)});
    QTest::addRow("free words") << u"big  invoice"_s
                                << query({term(Field::Text, u"big"_s),
                                       term(Field::Text, u"invoice"_s)});
    QTest::addRow("quoted words") << u"\"big invoice\""_s
                                  << query({term(Field::Text, u"big invoice"_s)});
    QTest::addRow("quoted escapes")
        << u"\"say \\\"hi\\\" \\\\ ok\""_s << query({term(Field::Text, u"say \"hi\" \\ ok"_s)});
    QTest::addRow("quoted field is text")
        << u"\"stage:rcpt\""_s << query({term(Field::Text, u"stage:rcpt"_s)});
    QTest::addRow("negated field")
        << u"-action:reject"_s << query({term(Field::Action, u"reject"_s, true)});
    QTest::addRow("negated text") << u"-newsletter"_s
                                  << query({term(Field::Text, u"newsletter"_s, true)});
    QTest::addRow("negated quoted") << u"-\"a b\""_s << query({term(Field::Text, u"a b"_s, true)});
    QTest::addRow("lone dash is text")
        << u"- x"_s << query({term(Field::Text, u"-"_s), term(Field::Text, u"x"_s)});
    QTest::addRow("ipv6 is text") << u"2001:db8::1"_s
                                  << query({term(Field::Text, u"2001:db8::1"_s)});
    QTest::addRow("colon inside value")
        << u"from:a:b@x"_s << query({term(Field::From, u"a:b@x"_s)});
    QTest::addRow("quote inside bare word") << u"it\"s"_s << query({term(Field::Text, u"it\"s"_s)});
    QTest::addRow("null sender") << u"from:\"\""_s << query({term(Field::From, u""_s)});
    QTest::addRow("everything")
        << u"stage:rcpt from:*@example.org to:bob@* action:reject status:5xx has:attachment "
           "has:problem dialect:draft-01 session:s1 rule:r client:203.0.113.* kind:hook "
           "-\"free text\" word"_s
        << query({term(Field::Stage, u"rcpt"_s), term(Field::From, u"*@example.org"_s),
               term(Field::To, u"bob@*"_s), term(Field::Action, u"reject"_s),
               term(Field::Status, u"5xx"_s), term(Field::Has, u"attachment"_s),
               term(Field::Has, u"problem"_s), term(Field::Dialect, u"draft-01"_s),
               term(Field::Session, u"s1"_s), term(Field::Rule, u"r"_s),
               term(Field::Client, u"203.0.113.*"_s), term(Field::Kind, u"hook"_s),
               term(Field::Text, u"free text"_s, true), term(Field::Text, u"word"_s)});
}

void TestCaptureFilter::parses()
{
    QFETCH(QString, text);
    QFETCH(CaptureQuery, expected);
    const FilterParseResult result = parseFilter(text);
    QVERIFY2(result.isValid(), qPrintable(result.error));
    QCOMPARE(result.errorPosition, -1);
    QCOMPARE(describe(result.query), describe(expected));
    QCOMPARE(result.query, expected);
}

void TestCaptureFilter::rejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("position");
    QTest::addColumn<int>("length");
    QTest::addColumn<QString>("fragment"); // a piece of the message

    QTest::addRow("unknown field")
        << u"stage:rcpt subject:hi"_s << 11 << 7 << u"unknown field 'subject'"_s;
    QTest::addRow("unknown negated field") << u"-foo:bar"_s << 1 << 3 << u"'foo'"_s;
    // SQLite's LIKE stops at a NUL where the timeline's matching does not (found by fuzz_filter).
    QTest::addRow("NUL") << QString(u"from:a"_s + QChar(0) + u"b"_s) << 6 << 1
                         << u"control character U+0000"_s;
    QTest::addRow("url needs quotes") << u"https://example.org"_s << 0 << 5 << u"'https'"_s;
    QTest::addRow("http url needs quotes")
        << u"http://example.org"_s << 5 << 13 << u"quote the word"_s;
    QTest::addRow("missing value") << u"from: x"_s << 0 << 5 << u"missing value after 'from:'"_s;
    QTest::addRow("missing value at end") << u"x -to:"_s << 2 << 4 << u"after 'to:'"_s;
    QTest::addRow("bad stage") << u"stage:rcp"_s << 6 << 3 << u"not a valid stage"_s;
    QTest::addRow("bad action") << u"action:none"_s << 7 << 4 << u"not a valid action"_s;
    QTest::addRow("bad has") << u"has:attachments"_s << 4 << 11 << u"attachment, problem"_s;
    QTest::addRow("bad dialect") << u"dialect:draft-03"_s << 8 << 8 << u"not a dialect"_s;
    QTest::addRow("bad kind") << u"kind:hooks"_s << 5 << 5 << u"not a valid kind"_s;
    QTest::addRow("status letters") << u"status:ok"_s << 7 << 2 << u"HTTP status"_s;
    QTest::addRow("status four digits") << u"status:2000"_s << 7 << 4 << u"HTTP status"_s;
    QTest::addRow("status zero class") << u"status:0xx"_s << 7 << 3 << u"HTTP status"_s;
    QTest::addRow("status half class") << u"status:5x0"_s << 7 << 3 << u"HTTP status"_s;
    QTest::addRow("smtp letters") << u"smtp:ok"_s << 5 << 2 << u"SMTP reply code"_s;
    QTest::addRow("http zero class") << u"http:0xx"_s << 5 << 3 << u"HTTP status"_s;
    QTest::addRow("quoted bad stage") << u"stage:\"rc pt\""_s << 6 << 7 << u"'rc pt'"_s;
    QTest::addRow("unterminated quote") << u"a \"bc"_s << 2 << 3 << u"unterminated quote"_s;
    QTest::addRow("unterminated value quote") << u"from:\"x"_s << 5 << 2 << u"unterminated quote"_s;
    QTest::addRow("text after quote") << u"\"ab\"cd"_s << 4 << 1 << u"after the closing quote"_s;
    QTest::addRow("empty quoted text") << u"x \"\""_s << 2 << 2 << u"empty search text"_s;
    // Past the limits SQLite would refuse the query (tst_capture_filterreadings).
    QTest::addRow("too many terms") << QStringList(MaxFilterTerms + 1, u"ab"_s).join(u' ')
                                    << MaxFilterTerms * 3 << 2 << u"at most 100"_s;
    QTest::addRow("value too long") << u"x from:"_s + QString(MaxFilterValueLength + 1, u'a') << 7
                                    << MaxFilterValueLength + 1 << u"longer than 1000"_s;
    QTest::addRow("text too long") << u"x -"_s + QString(MaxFilterValueLength + 1, u'a') << 3
                                   << MaxFilterValueLength + 1 << u"longer than 1000"_s;
    QTest::addRow("quoted text too long")
        << u"\""_s + QString(MaxFilterValueLength, u'a') + u"\\\\\" x"_s << 0
        << MaxFilterValueLength + 4 << u"longer than 1000"_s;
}

void TestCaptureFilter::rejects()
{
    QFETCH(QString, text);
    QFETCH(int, position);
    QFETCH(int, length);
    QFETCH(QString, fragment);
    const FilterParseResult result = parseFilter(text);
    QVERIFY(!result.isValid());
    QVERIFY2(result.error.contains(fragment), qPrintable(result.error));
    QCOMPARE(result.errorPosition, position);
    QCOMPARE(result.errorLength, length);
    QVERIFY(result.query.isEmpty());
}

void TestCaptureFilter::roundTrips_data()
{
    QTest::addColumn<CaptureQuery>("input");
    QTest::addColumn<QString>("text");

    QTest::addRow("fields") << query({term(Field::Stage, u"rcpt"_s),
        term(Field::From, u"*@example.org"_s), term(Field::Action, u"reject"_s, true)})
                            << u"stage:rcpt from:*@example.org -action:reject"_s;
    QTest::addRow("spaces quoted")
        << query({term(Field::Rule, u"Block spam"_s)}) << u"rule:\"Block spam\""_s;
    QTest::addRow("empty value quoted") << query({term(Field::From, u""_s)}) << u"from:\"\""_s;
    QTest::addRow("text with quotes")
        << query({term(Field::Text, u"say \"hi\""_s)}) << u"\"say \\\"hi\\\"\""_s;
    QTest::addRow("text like a field")
        << query({term(Field::Text, u"stage:rcpt"_s)}) << u"\"stage:rcpt\""_s;
    QTest::addRow("text starting with dash") << query({term(Field::Text, u"-x"_s)}) << u"\"-x\""_s;
    QTest::addRow("negated text with dash")
        << query({term(Field::Text, u"-x"_s, true)}) << u"-\"-x\""_s;
    QTest::addRow("text starting with quote")
        << query({term(Field::Text, u"\"x"_s)}) << u"\"\\\"x\""_s;
    QTest::addRow("backslash in text")
        << query({term(Field::Text, u"a\\b c"_s)}) << u"\"a\\\\b c\""_s;
    QTest::addRow("ipv6 text") << query({term(Field::Text, u"2001:db8::1"_s)}) << u"2001:db8::1"_s;
    QTest::addRow("session with space")
        << query({term(Field::Session, u"a b"_s, true)}) << u"-session:\"a b\""_s;
    QTest::addRow("every field")
        << query({term(Field::Stage, u"data"_s), term(Field::From, u"a@b"_s),
               term(Field::To, u"c@d"_s), term(Field::Action, u"held"_s),
               term(Field::Status, u"4xx"_s), term(Field::Has, u"fault"_s),
               term(Field::Dialect, u"stalwart"_s), term(Field::Session, u"k"_s),
               term(Field::Rule, u"r"_s), term(Field::Client, u"10.*"_s),
               term(Field::Kind, u"status"_s), term(Field::Text, u"word"_s)})
        << u"stage:data from:a@b to:c@d action:held status:4xx has:fault dialect:stalwart "
           "session:k rule:r client:10.* kind:status word"_s;
}

void TestCaptureFilter::roundTrips()
{
    QFETCH(CaptureQuery, input);
    QFETCH(QString, text);
    QCOMPARE(filterToString(input), text);
    const FilterParseResult reparsed = parseFilter(text);
    QVERIFY2(reparsed.isValid(), qPrintable(reparsed.error));
    QCOMPARE(reparsed.query, input);
}

void TestCaptureFilter::normalisesText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("normalised");

    QTest::addRow("case and spaces")
        << u"  STAGE:Rcpt   Action:REJECT  "_s << u"stage:rcpt action:reject"_s;
    QTest::addRow("alias") << u"dialect:draft01 status:5XX"_s << u"dialect:draft-01 status:5xx"_s;
    QTest::addRow("needless quotes") << u"from:\"a@b\" \"word\""_s << u"from:a@b word"_s;
    QTest::addRow("open values keep case")
        << u"session:AbC rule:MyRule"_s << u"session:AbC rule:MyRule"_s;
}

void TestCaptureFilter::normalisesText()
{
    QFETCH(QString, text);
    QFETCH(QString, normalised);
    const FilterParseResult result = parseFilter(text);
    QVERIFY2(result.isValid(), qPrintable(result.error));
    QCOMPARE(filterToString(result.query), normalised);
    // Normalising is idempotent.
    QCOMPARE(filterToString(parseFilter(normalised).query), normalised);
}

void TestCaptureFilter::fieldNames()
{
    const QStringList names = filterFieldNames();
    QCOMPARE(names,
        QStringList({u"stage"_s, u"from"_s, u"to"_s, u"action"_s, u"status"_s, u"has"_s,
            u"dialect"_s, u"session"_s, u"rule"_s, u"client"_s, u"kind"_s, u"smtp"_s, u"http"_s}));
    // Every offered name parses.
    for (const QString &name : names) {
        const QString sample = filterFieldValues(name).value(0, u"x"_s);
        const FilterParseResult result = parseFilter(name + u':' + sample);
        QVERIFY2(result.isValid(), qPrintable(name + u": "_s + result.error));
    }
}

void TestCaptureFilter::fieldValues()
{
    QCOMPARE(filterFieldValues(u"stage"_s).first(), u"connect"_s);
    QVERIFY(filterFieldValues(u"stage"_s).contains(u"dsn"_s));
    QVERIFY(filterFieldValues(u"action"_s).contains(u"held"_s));
    QVERIFY(filterFieldValues(u"action"_s).contains(u"tempfail"_s));
    QCOMPARE(filterFieldValues(u"has"_s),
        QStringList({u"attachment"_s, u"problem"_s, u"error"_s, u"message"_s, u"fault"_s}));
    QCOMPARE(filterFieldValues(u"dialect"_s),
        QStringList({u"stalwart"_s, u"draft-01"_s, u"draft-02"_s}));
    QVERIFY(filterFieldValues(u"from"_s).isEmpty());
    QVERIFY(filterFieldValues(u"nope"_s).isEmpty());
    // Every listed value is accepted.
    for (const QString &field : filterFieldNames()) {
        for (const QString &value : filterFieldValues(field))
            QVERIFY2(parseFilter(field + u':' + value).isValid(), qPrintable(field + value));
    }
}

void TestCaptureFilter::limits()
{
    const QString most = QStringList(MaxFilterTerms, u"-session:s"_s).join(u' ');
    QCOMPARE(parseFilter(most).query.terms.size(), qsizetype(MaxFilterTerms));
    const QString longest(MaxFilterValueLength, u'*');
    QCOMPARE(parseFilter(u"to:"_s + longest).query, query({term(Field::To, longest)}));
    QCOMPARE(parseFilter(u"\""_s + longest + u'"').query, query({term(Field::Text, longest)}));
    // The normalised text of a query within the limits parses again.
    QVERIFY(parseFilter(filterToString(query({term(Field::Text, longest, true)}))).isValid());
}

QTEST_MAIN(TestCaptureFilter)
#include "tst_capture_filter.moc"
