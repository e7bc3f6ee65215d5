// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/mimedecoder.h"
#include "mock/mime/sha256_p.h"
#include "tests/support/testsupport.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

#include <cctype>

using namespace MtaHooks::Mime;
using namespace Qt::StringLiterals;

namespace {

// The attachment of alternative-*.eml, as the authoring script generated it.
QByteArray attachmentPayload()
{
    QByteArray payload(1024, Qt::Uninitialized);
    for (int i = 0; i < payload.size(); ++i)
        payload[i] = char(((i * 7 + 3) ^ (i >> 3)) & 0xff);
    return payload;
}

QStringList typesOf(const MimeMessage &message)
{
    QStringList types;
    const QList<MimePart> parts = message.allParts();
    for (const MimePart &part : parts)
        types.append(part.partId() + u':' + part.contentType());
    return types;
}

QStringList defectCodes(const QList<Defect> &defects)
{
    QStringList codes;
    for (const Defect &d : defects)
        codes.append(d.code);
    return codes;
}

const Defect *findDefect(const QList<Defect> &defects, const QString &code)
{
    for (const Defect &d : defects) {
        if (d.code == code)
            return &d;
    }
    return nullptr;
}

// Every byte range a tree reports must lie inside the raw message, and decoding a body must give
// size() bytes.
void checkRanges(const MimeMessage &message)
{
    const qint64 rawSize = message.raw.size();
    const QList<MimePart> parts = message.allParts();
    for (const MimePart &part : parts) {
        QVERIFY(part.rawOffset() >= 0);
        QVERIFY(part.rawOffset() + part.rawLength() <= rawSize);
        QVERIFY(part.bodyOffset() >= part.rawOffset());
        QVERIFY(part.bodyLength() >= 0);
        QVERIFY(part.bodyOffset() + part.bodyLength() <= rawSize);
        if (!part.isMultipart())
            QCOMPARE(MimeDecoder::decodedBody(message, part).size(), part.size());
    }
}

} // namespace

class TestMimeDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesAlternative_data();
    void decodesAlternative();
    void crlfAndLfGiveTheSameTree();
    void decodesAttachedMessage();
    void decodesUuencode();
    void reportsDefects();
    void handlesNonMessages_data();
    void handlesNonMessages();
    void decodeFileMapsTheFile();
    void parsesHeaderValues();
    void survivesTruncationAndCorruption();
    void sha256MatchesQt();
    void checksBase64Alphabet();
    void digestsLargeMessages();
};

void TestMimeDecoder::decodesAlternative_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<qint64>("plainSize");
    QTest::addColumn<QByteArray>("plainSha256");

    // Expected values computed with Python's quopri/hashlib when the files were written: the
    // line break before a boundary belongs to the boundary, so the text ends without one.
    QTest::addRow("alternative-lf")
        << u"mime/alternative-lf.eml"_s << qint64(167)
        << QByteArray("6b00f6b11f7411851684b0ae97c232d25e34fa525ca9b69f7fdf220889f1761c");
    QTest::addRow("alternative-crlf")
        << u"mime/alternative-crlf.eml"_s << qint64(168)
        << QByteArray("ad69761ff0873caeed6a37f79d43361b3559275321b20674d365645f0032023a");
}

void TestMimeDecoder::decodesAlternative()
{
    QFETCH(QString, fixture);
    QFETCH(qint64, plainSize);
    QFETCH(QByteArray, plainSha256);

    const MimeMessage message = MimeDecoder::decode(TestSupport::readData(fixture));
    QVERIFY(message.isValid);
    QCOMPARE(message.defects.size(), 0);
    QCOMPARE(message.subject, u"Webhook ✓ failed für café"_s);
    QCOMPARE(message.from, QStringList {u"jm@example.com"_s});
    QCOMPARE(message.to, (QStringList {u"hooks@example.org"_s, u"ops@example.org"_s}));
    QCOMPARE(message.cc, QStringList {u"audit@example.net"_s});
    QCOMPARE(message.messageId, u"scope-0001@example.com"_s);
    QCOMPARE(message.date, u"Tue, 06 Oct 2026 14:03:09 +0200"_s);
    QVERIFY(message.hasAttachments());
    QCOMPARE(typesOf(message),
        (QStringList {u":multipart/mixed"_s, u":multipart/alternative"_s, u"2:text/plain"_s,
            u"3:text/html"_s, u"4:application/octet-stream"_s}));
    checkRanges(message);

    const QList<Header> headers = message.root.headers();
    QCOMPARE(headers.size(), 8);
    QCOMPARE(headers.first().name, QByteArray("From"));
    QCOMPARE(headers.first().value, u"Jürgen Müller <jm@example.com>"_s);
    QCOMPARE(headers.first().rawValue,
        QByteArray(" =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.com>"));
    QCOMPARE(headers.first().offset, qint64(0));
    QCOMPARE(headers.last().name, QByteArray("Content-Type"));

    const QList<MimePart> parts = message.allParts();
    const MimePart &plain = parts.at(2);
    QCOMPARE(plain.charset(), u"utf-8"_s);
    QCOMPARE(plain.transferEncoding(), u"quoted-printable"_s);
    QCOMPARE(plain.size(), plainSize);
    QCOMPARE(plain.sha256(), plainSha256);
    QVERIFY(plain.isInTextBody());
    QVERIFY(!plain.isInHtmlBody());
    QVERIFY(!plain.isAttachment());
    QVERIFY(MimeDecoder::text(message, plain).startsWith(u"Grüße aus dem Labor!"_s));
    QVERIFY(
        MimeDecoder::text(message, plain)
            .endsWith(
                u"the sixty-odd characters a QP line may carry before it needs a soft break."_s));
    // The raw range starts at the part's first header.
    QVERIFY(message.raw.mid(plain.rawOffset()).startsWith("Content-Type: text/plain"));

    const MimePart &html = parts.at(3);
    QCOMPARE(html.charset(), u"ISO-8859-1"_s);
    QCOMPARE(html.size(), qint64(69));
    QCOMPARE(html.sha256(),
        QByteArray("041c2761348ad8489ff4b47cf69b997d7c0db5a7471b8e40af5c9e17490dd62e"));
    QVERIFY(html.isInHtmlBody());
    QCOMPARE(MimeDecoder::text(message, html),
        u"<html><body><p>Café crème &amp; <b>naïve</b> résumé</p></body></html>"_s);

    const MimePart &attachment = parts.at(4);
    QCOMPARE(attachment.filename(), u"résumé.bin"_s);
    QCOMPARE(attachment.disposition(), u"attachment"_s);
    QCOMPARE(attachment.transferEncoding(), u"base64"_s);
    QCOMPARE(attachment.size(), qint64(1024));
    QCOMPARE(attachment.sha256(),
        QByteArray("142f01ca219b365770bd3a87ccbe9b9beaa0b56958872a6f7bb942d2575b774a"));
    QVERIFY(attachment.isAttachment());
    QCOMPARE(MimeDecoder::decodedBody(message, attachment), attachmentPayload());
    QVERIFY(message.raw.mid(attachment.bodyOffset()).startsWith("AwoRGB8m"));
    QByteArray pieces;
    MimeDecoder::decodeBody(
        message, attachment, [&pieces](QByteArrayView piece) { pieces.append(piece); });
    QCOMPARE(pieces, attachmentPayload());
}

void TestMimeDecoder::crlfAndLfGiveTheSameTree()
{
    const MimeMessage lf = MimeDecoder::decode(TestSupport::readData(u"mime/alternative-lf.eml"_s));
    const MimeMessage crlf
        = MimeDecoder::decode(TestSupport::readData(u"mime/alternative-crlf.eml"_s));
    QCOMPARE(typesOf(lf), typesOf(crlf));
    const QList<MimePart> a = lf.allParts();
    const QList<MimePart> b = crlf.allParts();
    // Line breaks inside text differ; base64 and the HTML (one line) do not.
    QCOMPARE(a.at(3).sha256(), b.at(3).sha256());
    QCOMPARE(a.at(4).sha256(), b.at(4).sha256());
    QCOMPARE(MimeDecoder::text(lf, a.at(2)),
        MimeDecoder::text(crlf, b.at(2)).replace(u"\r\n"_s, u"\n"_s));
    QCOMPARE(lf.root.headers().size(), crlf.root.headers().size());
    QVERIFY(crlf.root.headers().at(0).rawValue.endsWith('>')); // no CRLF kept at the end
    const Header folded = b.at(4).headers().at(2);
    QCOMPARE(folded.rawValue, QByteArray(" attachment;\r\n filename*=utf-8''r%C3%A9sum%C3%A9.bin"));
    QCOMPARE(folded.value, u"attachment; filename*=utf-8''r%C3%A9sum%C3%A9.bin"_s);
}

void TestMimeDecoder::decodesAttachedMessage()
{
    const MimeMessage message = MimeDecoder::decode(TestSupport::readData(u"mime/rfc822.eml"_s));
    QVERIFY(message.isValid);
    QCOMPARE(message.subject, u"Fwd: Nightly build"_s);
    QCOMPARE(typesOf(message),
        (QStringList {u":multipart/mixed"_s, u"1:text/plain"_s, u"2:message/rfc822"_s,
            u":multipart/mixed"_s, u"2.1:text/plain"_s, u"2.2:text/csv"_s}));
    checkRanges(message);

    const MimePart carrier = message.root.children().at(1);
    QVERIFY(carrier.isMessage());
    QCOMPARE(carrier.filename(), u"nightly.eml"_s);
    QVERIFY(carrier.isAttachment());
    // The attached message's bytes, up to the line break that belongs to the outer boundary.
    QCOMPARE(carrier.size(), qint64(501));
    QCOMPARE(carrier.sha256(),
        QByteArray("592c5d0647e95c587382e9fbc3df1c2ad4e293cb6d92ecfa555a333bdd93322d"));
    QCOMPARE(carrier.children().size(), 1);

    const MimePart inner = carrier.children().first();
    QCOMPARE(inner.rawOffset(), carrier.bodyOffset());
    QVERIFY(message.raw.mid(inner.rawOffset()).startsWith("From: Build Bot"));
    QString innerSubject;
    for (const Header &h : inner.headers()) {
        if (h.name == "Subject")
            innerSubject = h.value;
    }
    QCOMPARE(innerSubject, u"Nightly build grün"_s);
    // Classified within the attached message; only the carrier counts for the outer one.
    const MimePart csv = inner.children().at(1);
    QVERIFY(csv.isAttachment());
    QCOMPARE(csv.filename(), u"timings.csv"_s);
    QCOMPARE(MimeDecoder::decodedBody(message, csv), QByteArray("suite,seconds\nmime,1.5"));
    QVERIFY(message.hasAttachments());
}

void TestMimeDecoder::decodesUuencode()
{
    const MimeMessage message = MimeDecoder::decode(TestSupport::readData(u"mime/uuencode.eml"_s));
    QVERIFY(message.isValid);
    QCOMPARE(message.defects.size(), 0);
    const MimePart part = message.root;
    QCOMPARE(part.partId(), u"0"_s);
    QCOMPARE(part.transferEncoding(), u"x-uuencode"_s);
    // binascii.b2a_uu at authoring time.
    QCOMPARE(part.size(), qint64(107));
    QCOMPARE(part.sha256(),
        QByteArray("1be2d07061c00a6469a18ff6bda51a2a0623ef348bf9ba98bd42e983c95ad571"));
    QCOMPARE(MimeDecoder::text(message, part),
        u"Hookscope uuencode check: "_s + u"0123456789abcdef"_s.repeated(5) + u'\n');
}

void TestMimeDecoder::reportsDefects()
{
    const MimeMessage message = MimeDecoder::decode(TestSupport::readData(u"mime/malformed.eml"_s));
    // Broken, but a message: it has headers.
    QVERIFY(message.isValid);
    QCOMPARE(message.subject, u"broken on purpose"_s);
    QCOMPARE(typesOf(message),
        (QStringList {u":multipart/mixed"_s, u":multipart/alternative"_s, u"2:application/pdf"_s,
            u"3:text/plain"_s, u"4:application/octet-stream"_s, u"5:text/plain"_s}));
    checkRanges(message);
    QCOMPARE(defectCodes(message.defects),
        (QStringList {u"WARN_TRUNCATED_MESSAGE"_s, u"CRIT_INVALID_HEADER_NAME"_s,
            u"CRIT_MULTIPART_WITHOUT_BOUNDARY"_s, u"WARN_INVALID_BASE64"_s,
            u"WARN_UNKNOWN_CHARSET"_s, u"WARN_INVALID_QUOTED_PRINTABLE"_s,
            u"WARN_UNKNOWN_TRANSFER_ENCODING"_s}));

    const QByteArray &raw = message.raw;
    const QList<MimePart> parts = message.allParts();
    const auto at = [&raw](const Defect *d) { return d ? raw.mid(d->offset, 12) : QByteArray(); };

    // Whole-message defects stay on the root.
    QVERIFY(findDefect(message.root.defects(), u"WARN_TRUNCATED_MESSAGE"_s));
    const Defect *noColon = findDefect(message.root.defects(), u"CRIT_INVALID_HEADER_NAME"_s);
    QVERIFY(noColon);
    QCOMPARE(at(noColon), QByteArray("This line ha"));
    QVERIFY(noColon->message.contains(u"This line has no colon at all"_s));

    const Defect *noBoundary
        = findDefect(parts.at(1).defects(), u"CRIT_MULTIPART_WITHOUT_BOUNDARY"_s);
    QVERIFY(noBoundary);
    QCOMPARE(at(noBoundary), QByteArray("Content-Type"));
    QCOMPARE(parts.at(1).children().size(), 0); // GMime drops what it cannot split

    // Undecodable base64 is taken as it is, so size is the raw body.
    const MimePart &pdf = parts.at(2);
    const Defect *badBase64 = findDefect(pdf.defects(), u"WARN_INVALID_BASE64"_s);
    QVERIFY(badBase64);
    QCOMPARE(raw.at(badBase64->offset), '!');
    QVERIFY(pdf.hasEncodingProblem());
    QCOMPARE(MimeDecoder::decodedBody(message, pdf), QByteArray("JVBERi0xLjQK!!not*base64!!"));
    QVERIFY(pdf.isAttachment());

    const MimePart &klingon = parts.at(3);
    QVERIFY(findDefect(klingon.defects(), u"WARN_UNKNOWN_CHARSET"_s));
    const Defect *badQp = findDefect(klingon.defects(), u"WARN_INVALID_QUOTED_PRINTABLE"_s);
    QVERIFY(badQp);
    QCOMPARE(raw.mid(badQp->offset, 9), QByteArray("=ZZ batlh"));
    bool problem = false;
    QCOMPARE(MimeDecoder::text(message, klingon, &problem), u"qapla=ZZ batlh"_s);
    QVERIFY(problem);

    const MimePart &rot13 = parts.at(4);
    QVERIFY(findDefect(rot13.defects(), u"WARN_UNKNOWN_TRANSFER_ENCODING"_s));
    QCOMPARE(rot13.transferEncoding(), u"x-rot13"_s);
    QCOMPARE(MimeDecoder::decodedBody(message, rot13), QByteArray("Uryyb"));

    // The truncated last part still has its text, up to the end of the input.
    const MimePart &last = parts.at(5);
    QCOMPARE(MimeDecoder::text(message, last), u"and then the message just stops"_s);
    QCOMPARE(last.bodyOffset() + last.bodyLength(), qint64(raw.size()));
}

void TestMimeDecoder::handlesNonMessages_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("defect");
    QTest::addColumn<qint64>("bodySize");

    QTest::addRow("empty") << QByteArray() << u"CRIT_EMPTY_MESSAGE"_s << qint64(0);
    QTest::addRow("binary") << QByteArray("\x00\x01garbage\xff\xfe random \nbytes", 25)
                            << u"CRIT_NO_HEADERS"_s << qint64(25);
    QTest::addRow("body-only") << QByteArray("Just a body line\nand another\n")
                               << u"CRIT_NO_HEADERS"_s << qint64(29);
    // An empty header block followed by a body: the blank line is not part of the body.
    QTest::addRow("blank-line-first")
        << QByteArray("\r\nSubject: too late\r\n\r\nbody") << u"CRIT_NO_HEADERS"_s << qint64(25);
}

void TestMimeDecoder::handlesNonMessages()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, defect);
    QFETCH(qint64, bodySize);

    const MimeMessage message = MimeDecoder::decode(input);
    QVERIFY(!message.isValid);
    QVERIFY(findDefect(message.defects, defect));
    QVERIFY(findDefect(message.root.defects(), defect));
    QCOMPARE(message.root.contentType(), u"text/plain"_s);
    QCOMPARE(message.root.size(), bodySize);
    QCOMPARE(message.root.sha256(),
        QCryptographicHash::hash(input.right(bodySize), QCryptographicHash::Sha256).toHex());
    QVERIFY(!message.hasAttachments());
    checkRanges(message);
}

void TestMimeDecoder::decodeFileMapsTheFile()
{
    const QString path = TestSupport::dataPath(u"mime/alternative-lf.eml"_s);
    const MimeMessage fromMemory
        = MimeDecoder::decode(TestSupport::readData(u"mime/alternative-lf.eml"_s));

    QByteArray rawView;
    MimePart root;
    {
        QString error;
        const MimeMessage mapped = MimeDecoder::decodeFile(path, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(mapped.isValid);
        QCOMPARE(mapped.raw, fromMemory.raw);
        QCOMPARE(typesOf(mapped), typesOf(fromMemory));
        const QList<MimePart> a = mapped.allParts();
        const QList<MimePart> b = fromMemory.allParts();
        for (qsizetype i = 0; i < a.size(); ++i) {
            QCOMPARE(a.at(i).rawOffset(), b.at(i).rawOffset());
            QCOMPARE(a.at(i).bodyOffset(), b.at(i).bodyOffset());
            QCOMPARE(a.at(i).sha256(), b.at(i).sha256());
        }
        QCOMPARE(MimeDecoder::decodedBody(mapped, a.at(4)), attachmentPayload());
        rawView = mapped.raw;
        root = mapped.root;
    }
    // The MimeMessage is gone; a part of its tree keeps the mapping, so the view stays readable.
    QCOMPARE(rawView, fromMemory.raw);
    QCOMPARE(root.children().size(), 2);

    QString error;
    const MimeMessage missing = MimeDecoder::decodeFile(u"/nonexistent/hookscope.eml"_s, &error);
    QVERIFY(!missing.isValid);
    QVERIFY(!error.isEmpty());
}

void TestMimeDecoder::parsesHeaderValues()
{
    const QList<AddressGroup> groups = MimeDecoder::parseAddressGroups(
        " Friends: =?UTF-8?Q?J=C3=BCrgen?= <j@example.com>,\r\n b@example.com; c@example.com");
    QCOMPARE(groups.size(), 2);
    QVERIFY(groups.at(0).isGroup);
    QCOMPARE(groups.at(0).name, u"Friends"_s);
    QCOMPARE(groups.at(0).addresses.size(), 2);
    QCOMPARE(groups.at(0).addresses.at(0), (MailAddress {u"Jürgen"_s, u"j@example.com"_s}));
    QVERIFY(!groups.at(1).isGroup);
    QCOMPARE(MimeDecoder::parseAddresses(" a@b.example, \"Last, First\" <f@b.example>"),
        (QList<MailAddress> {{QString(), u"a@b.example"_s}, {u"Last, First"_s, u"f@b.example"_s}}));
    QCOMPARE(MimeDecoder::parseMessageIds(" <one@x>\r\n <two@y>"),
        (QStringList {u"one@x"_s, u"two@y"_s}));
    const QDateTime date = MimeDecoder::parseDate(" Tue, 1 Jul 2003 10:52:37 +0200");
    QVERIFY(date.isValid());
    QCOMPARE(date.toUTC(), QDateTime(QDate(2003, 7, 1), QTime(8, 52, 37), Qt::UTC));
    QVERIFY(!MimeDecoder::parseDate(" not a date").isValid());
    QCOMPARE(MimeDecoder::decodeText(" =?ISO-8859-1?Q?a?=\r\n =?ISO-8859-2?Q?_b?="), u"a b"_s);
}

void TestMimeDecoder::survivesTruncationAndCorruption()
{
    // Every prefix of a real message, and the message with bytes overwritten by structure
    // characters, must decode to some tree whose ranges stay inside the input.
    const QList<QByteArray> sources {TestSupport::readData(u"mime/alternative-crlf.eml"_s),
        TestSupport::readData(u"mime/rfc822.eml"_s),
        TestSupport::readData(u"mime/malformed.eml"_s)};
    for (const QByteArray &source : sources) {
        for (qsizetype cut = 0; cut <= source.size(); cut += 7) {
            const MimeMessage message = MimeDecoder::decode(source.left(cut));
            checkRanges(message);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(u"prefix of %1 bytes"_s.arg(cut)));
        }
        static constexpr char junk[] = {'-', '\n', '\r', ':', '=', '"', ';', '\0', ' ', 'B'};
        for (qsizetype pos = 0; pos < source.size(); pos += 5) {
            QByteArray corrupted = source;
            corrupted[pos] = junk[pos % sizeof(junk)];
            const MimeMessage message = MimeDecoder::decode(corrupted);
            checkRanges(message);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(u"byte %1 replaced"_s.arg(pos)));
        }
    }
}

void TestMimeDecoder::sha256MatchesQt()
{
    // The hardware path (when the CPU has it) against Qt's portable code: every length around
    // the block and padding edges, fed whole and in uneven pieces.
    QRandomGenerator random(2026);
    QByteArray data(300000, Qt::Uninitialized);
    for (char &c : data)
        c = char(random.bounded(256));
    QList<qsizetype> lengths;
    for (qsizetype n = 0; n <= 200; ++n)
        lengths.append(n);
    lengths << 4095 << 4096 << 4097 << 65535 << 65536 << 65537 << data.size();
    for (qsizetype n : std::as_const(lengths)) {
        const QByteArrayView input(data.constData(), n);
        const QByteArray expected
            = QCryptographicHash::hash(input, QCryptographicHash::Sha256).toHex();
        Sha256 whole;
        whole.addData(input.data(), n);
        QCOMPARE(whole.hexResult(), expected);
        Sha256 pieces;
        for (qsizetype pos = 0; pos < n;) {
            const qsizetype step = std::min<qsizetype>(n - pos, 1 + random.bounded(150));
            pieces.addData(input.data() + pos, step);
            pos += step;
        }
        QCOMPARE(pieces.hexResult(), expected);
    }
}

void TestMimeDecoder::checksBase64Alphabet()
{
    // Every byte value, once where the vectorised check sees it and once in the scalar tail.
    const QByteArray header("Subject: b64\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Transfer-Encoding: base64\r\n\r\n");
    const QByteArray body = QByteArray("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=").repeated(2) + "QUJD";
    for (int value = 0; value < 256; ++value) {
        const char c = char(value);
        const bool valid = std::isalnum(value) || QByteArrayView("+/= \t\r\n\f\v").contains(c);
        for (const qsizetype at : {qsizetype(20), body.size() - 2}) {
            QByteArray bytes = body;
            bytes[at] = c;
            const MimeMessage message = MimeDecoder::decode(header + bytes);
            const Defect *defect = findDefect(message.root.defects(), u"WARN_INVALID_BASE64"_s);
            QVERIFY2(bool(defect) == !valid, qPrintable(u"byte %1 at %2"_s.arg(value).arg(at)));
            if (defect)
                QCOMPARE(defect->offset, header.size() + at);
        }
    }
}

void TestMimeDecoder::digestsLargeMessages()
{
    // Big enough for the attachments to be digested on several threads.
    QRandomGenerator random(8621);
    QList<QByteArray> payloads;
    QByteArray raw("Subject: large\r\nMIME-Version: 1.0\r\n"
                   "Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n");
    for (int i = 0; i < 5; ++i) {
        QByteArray payload(1'500'000 + i * 1'001, Qt::Uninitialized);
        for (char &c : payload)
            c = char(random.bounded(256));
        payloads.append(payload);
        raw += "--big\r\nContent-Type: application/octet-stream\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n";
        const QByteArray encoded = payload.toBase64();
        for (qsizetype pos = 0; pos < encoded.size(); pos += 76)
            raw += encoded.mid(pos, 76) + "\r\n";
    }
    raw += "--big\r\nContent-Type: text/plain\r\n\r\nlast\r\n--big--\r\n";

    const MimeMessage message = MimeDecoder::decode(raw);
    QVERIFY(message.isValid);
    QCOMPARE(message.defects.size(), 0);
    const QList<MimePart> parts = message.root.children();
    QCOMPARE(parts.size(), 6);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(parts.at(i).size(), payloads.at(i).size());
        QCOMPARE(parts.at(i).sha256(),
            QCryptographicHash::hash(payloads.at(i), QCryptographicHash::Sha256).toHex());
    }
    QCOMPARE(MimeDecoder::decodedBody(message, parts.at(3)), payloads.at(3));
    QCOMPARE(MimeDecoder::text(message, parts.at(5)), u"last"_s);
}

QTEST_GUILESS_MAIN(TestMimeDecoder)
#include "tst_mime_decoder.moc"
