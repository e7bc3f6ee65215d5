// SPDX-License-Identifier: GPL-3.0-or-later
// Malformed mail read the way the RFCs say: a missing Subject, missing or broken Content-Types
// (RFC 2045 §5.2, RFC 2046 §5.1.5), lines that look like delimiters but are not (RFC 2046
// §5.1.1), message/delivery-status (RFC 3464), message/external-body (RFC 2046 §5.2.3) and a
// first line that is not a header field. Each message is written out here, next to what it tests.
#include "mock/mime/mimedecoder.h"

#include <QTest>

using namespace MtaHooks::Mime;
using namespace Qt::StringLiterals;

namespace {

QByteArray crlf(QByteArray text)
{
    return text.replace("\n", "\r\n");
}

QStringList codesOf(const QList<Defect> &defects)
{
    QStringList codes;
    for (const Defect &d : defects)
        codes.append(d.code);
    return codes;
}

QList<Defect> withCode(const QList<Defect> &defects, const QString &code)
{
    QList<Defect> found;
    for (const Defect &d : defects) {
        if (d.code == code)
            found.append(d);
    }
    return found;
}

QString fieldValue(const QList<Header> &block, const char *name)
{
    for (const Header &h : block) {
        if (h.name.compare(name, Qt::CaseInsensitive) == 0)
            return h.value;
    }
    return u"(absent)"_s;
}

} // namespace

class TestMimeMalformed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void subjectAbsentOrEmpty_data();
    void subjectAbsentOrEmpty();
    void missingContentType_data();
    void missingContentType();
    void invalidContentType_data();
    void invalidContentType();
    void delimiterLinesWithTrailingText();
    void nestedBoundaries_data();
    void nestedBoundaries();
    void deliveryStatus();
    void deliveryStatusEncoded();
    void externalBody();
    void firstLineNotAHeader_data();
    void firstLineNotAHeader();
    void noHeaderAtAll();
};

void TestMimeMalformed::subjectAbsentOrEmpty_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("hasSubject");
    QTest::addColumn<QString>("subject");
    QTest::addRow("absent") << "From: a@example.org\n\nbody\n"_ba << false << QString();
    QTest::addRow("empty") << "From: a@example.org\nSubject:\n\nbody\n"_ba << true << QString();
    QTest::addRow("blank") << "From: a@example.org\nSubject:   \n\nbody\n"_ba << true << QString();
    QTest::addRow("given") << "Subject: hello\nFrom: a@example.org\n\nbody\n"_ba << true
                           << u"hello"_s;
    // An attached message's Subject is not the message's.
    QTest::addRow("only-attached")
        << "From: a@example.org\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n"
           "From: b@example.org\nSubject: inner\n\ninner body\n"_ba
        << false << QString();
}

void TestMimeMalformed::subjectAbsentOrEmpty()
{
    QFETCH(QByteArray, raw);
    QFETCH(bool, hasSubject);
    QFETCH(QString, subject);
    const MimeMessage message = MimeDecoder::decode(raw);
    QVERIFY(message.isValid);
    QCOMPARE(message.hasSubject, hasSubject);
    QCOMPARE(message.subject, subject);
}

void TestMimeMalformed::missingContentType_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QStringList>("types"); // depth first: contentType|charset|defect codes

    // Without MIME-Version the message is plain RFC 5322 text: the default, and nothing to note.
    QTest::addRow("plain-rfc5322") << "From: a@example.org\nSubject: s\n\nbody\n"_ba
                                   << QStringList {u"text/plain|us-ascii|"_s};
    QTest::addRow("mime-root") << "From: a@example.org\nMIME-Version: 1.0\n\nbody\n"_ba
                               << QStringList {u"text/plain|us-ascii|NOTE_MISSING_CONTENT_TYPE"_s};
    QTest::addRow("subparts")
        << "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
           "--b\n\nno header block\n--b\nContent-Disposition: inline\n\nno Content-Type\n"
           "--b\nContent-Type: text/plain; charset=utf-8\n\ndeclared\n--b--\n"_ba
        << QStringList {u"multipart/mixed||"_s, u"text/plain|us-ascii|NOTE_MISSING_CONTENT_TYPE"_s,
               u"text/plain|us-ascii|NOTE_MISSING_CONTENT_TYPE"_s, u"text/plain|utf-8|"_s};
    // RFC 2046 §5.1.5: inside multipart/digest the default is message/rfc822. The attached
    // message has no MIME-Version: its root gets the default silently.
    QTest::addRow("digest")
        << "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/digest; boundary=d\n\n"
           "--d\n\nFrom: b@example.org\nSubject: inner\n\ninner body\n"
           "--d\nContent-Type: text/plain\n\nexplicit\n--d--\n"_ba
        << QStringList {u"multipart/digest||"_s, u"message/rfc822||NOTE_MISSING_CONTENT_TYPE"_s,
               u"text/plain|us-ascii|"_s, u"text/plain||"_s};
    QTest::addRow("crlf-subpart") << crlf(
        "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
        "boundary=b\n\n--b\n\nno header block\n--b--\n")
                                  << QStringList {u"multipart/mixed||"_s,
                                         u"text/plain|us-ascii|NOTE_MISSING_CONTENT_TYPE"_s};
}

void TestMimeMalformed::missingContentType()
{
    QFETCH(QByteArray, raw);
    QFETCH(QStringList, types);
    const MimeMessage message = MimeDecoder::decode(raw);
    QStringList actual;
    for (const MimePart &part : message.allParts()) {
        actual.append(
            part.contentType() + u'|' + part.charset() + u'|' + codesOf(part.defects()).join(u','));
    }
    QCOMPARE(actual, types);
    for (const Defect &note : withCode(message.defects, u"NOTE_MISSING_CONTENT_TYPE"_s))
        QVERIFY2(note.message.contains(u"RFC 204"_s), qPrintable(note.message));
}

void TestMimeMalformed::invalidContentType_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addRow("no-slash") << "garbage"_ba;
    QTest::addRow("no-subtype") << "text/"_ba;
    QTest::addRow("no-type") << "/plain"_ba; // GMime reads it silently as type "" (Python too)
    QTest::addRow("separators") << ";;;"_ba;
}

void TestMimeMalformed::invalidContentType()
{
    QFETCH(QByteArray, value);
    const QByteArray raw = "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
                           "boundary=b\n\n--b\nContent-Type: "
        + value
        + "\n\nread me as text\n--b\nContent-Type: application/octet-stream\n\nopaque\n--b--\n";
    const MimeMessage message = MimeDecoder::decode(raw);
    QVERIFY(message.isValid);
    const QList<MimePart> parts = message.root.children();
    QCOMPARE(parts.size(), 2);
    const MimePart &broken = parts.at(0);
    QCOMPARE(broken.contentType(), u"text/plain"_s);
    QCOMPARE(broken.charset(), u"us-ascii"_s);
    QVERIFY(broken.isText());
    QCOMPARE(MimeDecoder::text(message, broken), u"read me as text"_s);
    const QList<Defect> defects = withCode(broken.defects(), u"WARN_INVALID_CONTENT_TYPE"_s);
    QCOMPARE(defects.size(), 1);
    QCOMPARE(raw.mid(defects.first().offset, 13), "Content-Type:"_ba);
    QVERIFY(defects.first().message.contains(u"text/plain"_s));
    QCOMPARE(withCode(message.defects, u"WARN_INVALID_CONTENT_TYPE"_s).size(), 1);
    // A declared application/octet-stream is no default and no defect.
    QCOMPARE(parts.at(1).contentType(), u"application/octet-stream"_s);
    QVERIFY(parts.at(1).defects().isEmpty());
    QVERIFY(message.root.defects().isEmpty());

    // The same on the message's root.
    const MimeMessage single
        = MimeDecoder::decode("From: a@example.org\nContent-Type: " + value + "\n\nroot text\n");
    QCOMPARE(single.root.contentType(), u"text/plain"_s);
    QCOMPARE(single.root.charset(), u"us-ascii"_s);
    QCOMPARE(codesOf(single.root.defects()), QStringList {u"WARN_INVALID_CONTENT_TYPE"_s});
    QVERIFY(single.root.isInTextBody());
}

void TestMimeMalformed::delimiterLinesWithTrailingText()
{
    const QByteArray raw
        = "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=sep\n\n"
          "--sep\nContent-Type: text/plain\n\nfirst part\n--sep not a delimiter\nstill first\n"
          "--sepx\nstill first too\n--sep\t \nContent-Type: text/plain\n\nsecond part\n"
          "--sep--junk\nstill second\n--sep--\nepilogue\n--sep-- \n"_ba;
    const MimeMessage message = MimeDecoder::decode(raw);
    const QList<MimePart> parts = message.root.children();
    QCOMPARE(parts.size(), 2);
    QCOMPARE(MimeDecoder::text(message, parts.at(0)),
        u"first part\n--sep not a delimiter\nstill first\n--sepx\nstill first too"_s);
    QCOMPARE(MimeDecoder::text(message, parts.at(1)), u"second part\n--sep--junk\nstill second"_s);

    const QList<Defect> lines = withCode(message.root.defects(), u"WARN_BOUNDARY_TRAILING_TEXT"_s);
    QStringList starts;
    for (const Defect &d : lines)
        starts.append(
            QString::fromLatin1(raw.mid(d.offset, raw.indexOf('\n', d.offset) - d.offset)));
    // "--sep\t " and the close delimiter followed by a space are delimiters (white space only).
    QCOMPARE(starts, (QStringList {u"--sep not a delimiter"_s, u"--sepx"_s, u"--sep--junk"_s}));
    QCOMPARE(withCode(message.defects, u"WARN_BOUNDARY_TRAILING_TEXT"_s).size(), 3);
    for (const MimePart &part : parts)
        QVERIFY(part.defects().isEmpty());

    // A clean multipart has none.
    const MimeMessage clean = MimeDecoder::decode(
        "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=sep\n\n"
        "--sep\n\none\n--sep\n\ntwo\n--sep--\n"_ba);
    QVERIFY(withCode(clean.defects, u"WARN_BOUNDARY_TRAILING_TEXT"_s).isEmpty());
}

void TestMimeMalformed::nestedBoundaries_data()
{
    QTest::addColumn<QByteArray>("inner");
    QTest::addColumn<QString>("code");
    QTest::addRow("reused") << "out"_ba << u"WARN_NESTED_BOUNDARY_REUSED"_s;
    QTest::addRow("prefix") << "out-inner"_ba << u"WARN_NESTED_BOUNDARY_PREFIX"_s;
    QTest::addRow("unrelated") << "alt"_ba << QString();
    // The outer boundary is not a prefix of this one, the other way round is harmless.
    QTest::addRow("outer-extends") << "ou"_ba << QString();
}

void TestMimeMalformed::nestedBoundaries()
{
    QFETCH(QByteArray, inner);
    QFETCH(QString, code);
    const QByteArray raw
        = "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=out\n\n"
          "--out\nContent-Type: multipart/alternative; boundary="
        + inner + "\n\n--" + inner + "\nContent-Type: text/plain\n\none\n--" + inner
        + "\nContent-Type: text/html\n\n<p>two</p>\n--" + inner
        + "--\n\n--out\nContent-Type: text/plain\n\nouter two\n--out--\n";
    const MimeMessage message = MimeDecoder::decode(raw);
    const QList<MimePart> parts = message.root.children();
    QCOMPARE(parts.size(), 2);
    const MimePart &alternative = parts.at(0);
    QCOMPARE(alternative.contentType(), u"multipart/alternative"_s);
    QCOMPARE(alternative.children().size(), 2);
    const QStringList codes = codesOf(alternative.defects());
    if (code.isEmpty()) {
        QVERIFY2(codes.isEmpty(), qPrintable(codes.join(u',')));
    } else {
        QCOMPARE(codes, QStringList {code});
        const Defect defect = alternative.defects().first();
        QCOMPARE(raw.mid(defect.offset, 13), "Content-Type:"_ba);
    }
    // The inner delimiter lines are not reported as lines with trailing text.
    QVERIFY(withCode(message.defects, u"WARN_BOUNDARY_TRAILING_TEXT"_s).isEmpty());
}

void TestMimeMalformed::deliveryStatus()
{
    const QByteArray raw
        = "From: MAILER-DAEMON@mx.example.org\nSubject: failure\nMIME-Version: 1.0\n"
          "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
          "--r\nContent-Type: text/plain\n\nundeliverable\n"
          "--r\nContent-Type: message/delivery-status\n\n"
          "Reporting-MTA: dns; mx.example.org\nArrival-Date: Mon, 07 Dec 2026 10:00:00 +0000\n\n"
          "Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.1.1\n"
          "Diagnostic-Code: smtp; 550 5.1.1\n  no such user\nthis line is no field\n\n\n"
          "Final-Recipient: rfc822; carol@example.net\nAction: delayed\nStatus: 4.4.1\n\n"
          "--r--\n"_ba;
    const MimeMessage message = MimeDecoder::decode(raw);
    const MimePart status = message.root.children().value(1);
    QCOMPARE(status.contentType(), u"message/delivery-status"_s);
    QVERIFY(status.children().isEmpty());
    const QList<QList<Header>> blocks = status.fieldBlocks();
    QCOMPARE(blocks.size(), 3);
    QCOMPARE(fieldValue(blocks.at(0), "Reporting-MTA"), u"dns; mx.example.org"_s);
    QCOMPARE(blocks.at(1).size(), 4);
    QCOMPARE(fieldValue(blocks.at(1), "status"), u"5.1.1"_s);
    QCOMPARE(fieldValue(blocks.at(1), "Diagnostic-Code"), u"smtp; 550 5.1.1  no such user"_s);
    QCOMPARE(fieldValue(blocks.at(2), "Final-Recipient"), u"rfc822; carol@example.net"_s);
    QCOMPARE(fieldValue(blocks.at(2), "Action"), u"delayed"_s);
    const Header &first = blocks.at(1).first();
    QCOMPARE(raw.mid(first.offset, 16), "Final-Recipient:"_ba);
    QCOMPARE(first.rawValue, " rfc822; bob@example.net"_ba);

    const QList<Defect> junk = withCode(status.defects(), u"WARN_INVALID_FIELD_BLOCK"_s);
    QCOMPARE(junk.size(), 1);
    QCOMPARE(raw.mid(junk.first().offset, 9), "this line"_ba);
    // The other parts have no field blocks.
    QVERIFY(message.root.fieldBlocks().isEmpty());
    QVERIFY(message.root.children().first().fieldBlocks().isEmpty());
}

void TestMimeMalformed::deliveryStatusEncoded()
{
    // RFC 3464 wants 7bit; a base64 one is read after decoding, its fields without offsets.
    const QByteArray fields = "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; "
                              "bob@example.net\nStatus: 5.0.0\n"_ba;
    const QByteArray raw = "From: a@example.org\nMIME-Version: 1.0\n"
                           "Content-Type: message/delivery-status\n"
                           "Content-Transfer-Encoding: base64\n\n"
        + fields.toBase64() + "\n";
    const MimeMessage message = MimeDecoder::decode(raw);
    const QList<QList<Header>> blocks = message.root.fieldBlocks();
    QCOMPARE(blocks.size(), 2);
    QCOMPARE(fieldValue(blocks.at(1), "Status"), u"5.0.0"_s);
    QCOMPARE(blocks.at(1).first().offset, qint64(-1));
}

void TestMimeMalformed::externalBody()
{
    const QByteArray raw
        = "From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=e\n\n"
          "--e\nContent-Type: message/external-body; access-type=URL;\n"
          " URL=\"http://files.example.org/report.pdf\"\n\n"
          "Content-Type: application/pdf\nContent-ID: <report@example.org>\n\n"
          "--e--\n"_ba;
    const MimeMessage message = MimeDecoder::decode(raw);
    const MimePart external = message.root.children().value(0);
    QCOMPARE(external.contentType(), u"message/external-body"_s);
    QVERIFY(!external.isMessage());
    QVERIFY(external.children().isEmpty());
    const QList<Defect> notes = withCode(external.defects(), u"NOTE_EXTERNAL_BODY"_s);
    QCOMPARE(notes.size(), 1);
    QVERIFY2(
        notes.first().message.contains(u"access-type=URL"_s), qPrintable(notes.first().message));
    QVERIFY(notes.first().message.contains(u"http://files.example.org/report.pdf"_s));
    QVERIFY(notes.first().message.contains(u"not fetched"_s));
    const QList<QList<Header>> blocks = external.fieldBlocks();
    QCOMPARE(blocks.size(), 1);
    QCOMPARE(fieldValue(blocks.first(), "Content-Type"), u"application/pdf"_s);
    QCOMPARE(fieldValue(blocks.first(), "Content-ID"), u"<report@example.org>"_s);
}

void TestMimeMalformed::firstLineNotAHeader_data()
{
    QTest::addColumn<QByteArray>("firstLine");
    QTest::addColumn<QString>("code");
    QTest::addRow("mbox-from") << "From alice@example.org Mon Dec  7 10:00:00 2026\n"_ba
                               << u"NOTE_MBOX_FROM_LINE"_s;
    QTest::addRow("junk") << "this is not a header field\n"_ba << u"WARN_FIRST_LINE_NOT_A_HEADER"_s;
    QTest::addRow("continuation") << "  continues nothing\n"_ba
                                  << u"WARN_FIRST_LINE_NOT_A_HEADER"_s;
    QTest::addRow("crlf-mbox-from")
        << "From alice@example.org Mon Dec  7 10:00:00 2026\r\n"_ba << u"NOTE_MBOX_FROM_LINE"_s;
}

void TestMimeMalformed::firstLineNotAHeader()
{
    QFETCH(QByteArray, firstLine);
    QFETCH(QString, code);
    const QByteArray raw = firstLine
        + "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: kept\n\nthe body\n";
    const MimeMessage message = MimeDecoder::decode(raw);
    QVERIFY(message.isValid);
    QCOMPARE(message.subject, u"kept"_s);
    QCOMPARE(message.from, QStringList {u"alice@example.org"_s});
    QCOMPARE(message.to, QStringList {u"bob@example.org"_s});
    QCOMPARE(codesOf(message.root.defects()), QStringList {code});
    QCOMPARE(codesOf(message.defects), QStringList {code});
    QCOMPARE(message.defects.first().offset, qint64(0));
    // Header offsets still index the whole input.
    const QList<Header> headers = message.root.headers();
    QCOMPARE(headers.size(), 3);
    for (const Header &h : headers)
        QCOMPARE(raw.mid(h.offset, h.name.size() + 1), h.name + ':');
    QCOMPARE(MimeDecoder::text(message, message.root), u"the body\n"_s);
    QCOMPARE(message.root.contentType(), u"text/plain"_s);
}

void TestMimeMalformed::noHeaderAtAll()
{
    // Two lines of prose: not a message with a bad first line, not a message at all.
    const MimeMessage message = MimeDecoder::decode("just some text\nand more text\n"_ba);
    QVERIFY(!message.isValid);
    QVERIFY(codesOf(message.defects).contains(u"CRIT_NO_HEADERS"_s));
    QVERIFY(!codesOf(message.defects).contains(u"WARN_FIRST_LINE_NOT_A_HEADER"_s));
}

QTEST_GUILESS_MAIN(TestMimeMalformed)
#include "tst_mime_malformed.moc"
