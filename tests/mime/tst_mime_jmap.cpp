// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/jmapview.h"
#include "mock/mime/mimedecoder.h"
#include "tests/support/testsupport.h"

#include <QBuffer>
#include <QDir>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace MtaHooks::Mime;
using namespace Qt::StringLiterals;

namespace {

const QString emailGetDir = u"mta-hooks-fixtures/stalwart/jmap/email_get"_s;

// Stalwart's test client (jmap-client's into_test) leaves out Email and EmailBodyPart members
// whose value is null (address and group names stay), and multiparts have no size in the
// fixtures. Ours are spelled out, as Stalwart's server sends them; remove them before comparing.
QJsonValue withoutNulls(const QJsonValue &value)
{
    if (value.isArray()) {
        QJsonArray out;
        const QJsonArray in = value.toArray();
        for (const QJsonValue v : in)
            out.append(withoutNulls(v));
        return out;
    }
    if (!value.isObject())
        return value;
    const QJsonObject in = value.toObject();
    const bool multipart = in.value(u"type").toString().startsWith(u"multipart/"_s);
    const bool address = in.contains(u"email") || in.contains(u"addresses");
    QJsonObject out;
    for (auto it = in.begin(); it != in.end(); ++it) {
        if ((it.value().isNull() && !address) || (multipart && it.key() == u"size"))
            continue;
        // Header properties of body parts were asked for, but the client drops them.
        if (in.contains(u"partId") && it.key().startsWith(u"header:"_s))
            continue;
        out.insert(it.key(), withoutNulls(it.value()));
    }
    return out;
}

QString compact(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return QString::fromUtf8(QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact));
}

QJsonObject render(const MimeMessage &message, const JmapOptions &options)
{
    const QByteArray json = jmapEmailJson(message, options);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("invalid JSON: %s", qPrintable(error.errorString()));
    return document.object();
}

// What we render differently from Stalwart on purpose, per fixture and property.
QHash<QString, QString> knownDifferences()
{
    const QString comment
        = u"RFC 8621 §4.1.2.3: the name is the display-name; a comment is used "
          "only when there is no display-name. Stalwart appends the comment "
          "('Art Vandelay (Vandelay Industries)'); GMime keeps the display-name"_s;
    const QString quoted = u"RFC 8621 §4.1.2.3: white space at the ends of a quoted display-name "
                           "is removed; Stalwart keeps '  James Smythe'"_s;
    const QString group = u"comments in a group: Stalwart appends them to names and turns the "
                          "trailing '(the end of the group)' into an address with an empty "
                          "email; GMime drops comments"_s;
    QHash<QString, QString> known;
    known.insert(u"headers/from"_s, comment);
    known.insert(u"headers/to"_s, quoted);
    for (const QString &form : {u"asAddresses"_s, u"asGroupedAddresses"_s}) {
        for (const QString &all : {QString(), u":all"_s}) {
            known.insert(u"headers/header:From:"_s + form + all, comment);
            known.insert(u"headers/header:To:"_s + form + all, quoted);
            known.insert(u"headers/header:X-AddressesGroup-Single:"_s + form + all, group);
        }
    }
    return known;
}

QByteArray attachmentPayload()
{
    QByteArray payload(1024, Qt::Uninitialized);
    for (int i = 0; i < payload.size(); ++i)
        payload[i] = char(((i * 7 + 3) ^ (i >> 3)) & 0xff);
    return payload;
}

} // namespace

class TestMimeJmap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesStalwart_data();
    void matchesStalwart();
    void rendersOwnMessageWithBlobs();
    void selectsProperties();
    void truncatesBodyValues();
    void keepsHeadersRawWithoutStalwartCompatibility();
    void writesToDevice();
};

void TestMimeJmap::matchesStalwart_data()
{
    HOOKSCOPE_REQUIRE_SHARED();
    QTest::addColumn<QString>("fixture");
    const QDir dir(TestSupport::sharedPath(emailGetDir));
    const QStringList files = dir.entryList({u"*.eml"_s}, QDir::Files, QDir::Name);
    QVERIFY(!files.isEmpty());
    for (const QString &file : files)
        QTest::addRow("%s", qPrintable(file.chopped(4))) << dir.filePath(file.chopped(4));
}

void TestMimeJmap::matchesStalwart()
{
    QFETCH(QString, fixture);
    const QString row = QString::fromLatin1(QTest::currentDataTag());
    const MimeMessage message = MimeDecoder::decode(TestSupport::readFile(fixture + u".eml"_s));
    QJsonObject expected
        = QJsonDocument::fromJson(TestSupport::readFile(fixture + u".json"_s)).object();
    QVERIFY(!expected.isEmpty());

    // The request Stalwart's email_get test makes (tests/src/jmap/mail/get.rs).
    JmapOptions options;
    options.inlineBlobs = false;
    options.stalwartCompatible = true;
    options.fetchAllBodyValues = true;
    options.maxBodyValueBytes = 100;
    options.properties = QStringList {u"size"_s, u"messageId"_s, u"inReplyTo"_s, u"references"_s,
        u"sender"_s, u"from"_s, u"to"_s, u"cc"_s, u"bcc"_s, u"replyTo"_s, u"subject"_s, u"sentAt"_s,
        u"bodyStructure"_s, u"bodyValues"_s, u"textBody"_s, u"htmlBody"_s, u"attachments"_s,
        u"hasAttachment"_s, u"preview"_s};
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (it.key().startsWith(u"header:"_s))
            options.properties.append(it.key());
    }
    if (row == u"headers") {
        options.bodyProperties = QStringList {u"partId"_s, u"size"_s, u"name"_s, u"type"_s,
            u"charset"_s, u"disposition"_s, u"cid"_s, u"language"_s, u"location"_s,
            u"header:X-Custom-Header"_s, u"header:X-Custom-Header-2"_s};
    }
    const QJsonObject ours = withoutNulls(render(message, options)).toObject();
    QVERIFY(!ours.isEmpty());

    // Metadata only a mail store has; the test imported the message with these.
    for (const QString &key : {u"mailboxIds"_s, u"keywords"_s, u"receivedAt"_s})
        expected.remove(key);
    // An empty preview is left out by Stalwart's store.
    if (!expected.contains(u"preview"))
        expected.insert(u"preview"_s, QString());

    const QHash<QString, QString> known = knownDifferences();
    QStringList keys = expected.keys() + ours.keys();
    keys.removeDuplicates();
    for (const QString &key : std::as_const(keys)) {
        const QString id = row + u'/' + key;
        if (known.contains(id))
            QEXPECT_FAIL(
                QTest::currentDataTag(), qPrintable(key + u": "_s + known.value(id)), Continue);
        QVERIFY2(ours.value(key) == expected.value(key),
            qPrintable(key + u"\n  ours:     "_s + compact(ours.value(key)) + u"\n  Stalwart: "_s
                + compact(expected.value(key))));
    }
}

void TestMimeJmap::rendersOwnMessageWithBlobs()
{
    const QByteArray raw = TestSupport::readData(u"mime/alternative-lf.eml"_s);
    const MimeMessage message = MimeDecoder::decode(raw);
    const QByteArray json = jmapEmailJson(message);

    // RFC 8621 member order for the default property set.
    qsizetype previous = -1;
    for (const char *key : {"size", "headers", "messageId", "from", "to", "subject", "sentAt",
             "bodyStructure", "bodyValues", "textBody", "htmlBody", "attachments"}) {
        const qsizetype at = json.indexOf(QByteArray(QByteArray("\"") + key + "\":"));
        QVERIFY2(at > previous, key);
        previous = at;
    }
    QVERIFY(!json.contains("blobId"));

    const QJsonObject email = render(message, {});
    QCOMPARE(email.value(u"size").toInteger(), raw.size());
    QCOMPARE(email.value(u"messageId").toArray(), QJsonArray {u"scope-0001@example.com"_s});
    QCOMPARE(email.value(u"from").toArray(),
        (QJsonArray {
            QJsonObject {{u"name"_s, u"Jürgen Müller"_s}, {u"email"_s, u"jm@example.com"_s}}}));
    QCOMPARE(email.value(u"to").toArray().at(1).toObject(),
        (QJsonObject {{u"name"_s, QJsonValue::Null}, {u"email"_s, u"ops@example.org"_s}}));
    QCOMPARE(email.value(u"subject").toString(), u"Webhook ✓ failed für café"_s);
    QCOMPARE(email.value(u"sentAt").toString(), u"2026-10-06T12:03:09Z"_s);
    const QJsonArray headers = email.value(u"headers").toArray();
    QCOMPARE(headers.size(), 8);
    QCOMPARE(headers.at(3).toObject().value(u"value").toString(),
        u" =?UTF-8?B?V2ViaG9vayDinJMgZmFpbGVk?= =?ISO-8859-1?Q?_f=FCr_caf=E9?="_s);

    const QJsonObject root = email.value(u"bodyStructure").toObject();
    QCOMPARE(root.value(u"type").toString(), u"multipart/mixed"_s);
    QVERIFY(root.value(u"partId").isNull());
    QVERIFY(root.value(u"blob").isNull());
    const QJsonArray subParts = root.value(u"subParts").toArray();
    QCOMPARE(subParts.size(), 2);
    const QJsonObject alternative = subParts.at(0).toObject();
    QCOMPARE(alternative.value(u"subParts").toArray().size(), 2);

    const QJsonObject attachment = subParts.at(1).toObject();
    QCOMPARE(attachment.value(u"partId").toString(), u"4"_s);
    QCOMPARE(attachment.value(u"blob").toString().toLatin1(), attachmentPayload().toBase64());
    QCOMPARE(attachment.value(u"size").toInteger(), 1024);
    QCOMPARE(attachment.value(u"name").toString(), u"résumé.bin"_s);
    QCOMPARE(attachment.value(u"type").toString(), u"application/octet-stream"_s);
    QVERIFY(attachment.value(u"charset").isNull());
    QCOMPARE(attachment.value(u"disposition").toString(), u"attachment"_s);
    QVERIFY(!attachment.contains(u"subParts"));

    const QJsonArray leaves = alternative.value(u"subParts").toArray();
    const QJsonObject plain = leaves.at(0).toObject();
    const QJsonObject html = leaves.at(1).toObject();
    QCOMPARE(QByteArray::fromBase64(plain.value(u"blob").toString().toLatin1()).size(), 167);
    QCOMPARE(plain.value(u"charset").toString(), u"utf-8"_s);
    // Latin-1 on the wire: 69 octets; Stalwart counts its UTF-8 text: 74.
    QCOMPARE(QByteArray::fromBase64(html.value(u"blob").toString().toLatin1()).size(), 69);
    QCOMPARE(html.value(u"size").toInteger(), 74);
    JmapOptions octets;
    octets.utf8TextSizes = false;
    const QJsonObject html2 = render(message, octets)
                                  .value(u"bodyStructure")
                                  .toObject()
                                  .value(u"subParts")
                                  .toArray()
                                  .at(0)
                                  .toObject()
                                  .value(u"subParts")
                                  .toArray()
                                  .at(1)
                                  .toObject();
    QCOMPARE(html2.value(u"size").toInteger(), 69);

    QCOMPARE(email.value(u"textBody").toArray().size(), 1);
    QCOMPARE(
        email.value(u"textBody").toArray().at(0).toObject().value(u"partId").toString(), u"2"_s);
    QCOMPARE(
        email.value(u"htmlBody").toArray().at(0).toObject().value(u"partId").toString(), u"3"_s);
    QCOMPARE(email.value(u"attachments").toArray().size(), 1);
    QCOMPARE(
        email.value(u"attachments").toArray().at(0).toObject().value(u"partId").toString(), u"4"_s);

    const QJsonObject values = email.value(u"bodyValues").toObject();
    QCOMPARE(values.keys(), (QStringList {u"2"_s, u"3"_s}));
    QVERIFY(values.value(u"2").toObject().value(u"value").toString().startsWith(
        u"Grüße aus dem Labor!\nThe hook"_s));
    QCOMPARE(values.value(u"3").toObject().value(u"value").toString(),
        u"<html><body><p>Café crème &amp; <b>naïve</b> résumé</p></body></html>"_s);
    QCOMPARE(values.value(u"3").toObject().value(u"isEncodingProblem").toBool(), false);
    QCOMPARE(values.value(u"3").toObject().value(u"isTruncated").toBool(), false);
}

void TestMimeJmap::selectsProperties()
{
    const MimeMessage message
        = MimeDecoder::decode(TestSupport::readData(u"mime/alternative-crlf.eml"_s));
    JmapOptions options;
    options.properties = QStringList {u"preview"_s, u"subject"_s, u"header:Subject:asText"_s,
        u"header:X-Missing:all"_s, u"hasAttachment"_s, u"header:Cc:asGroupedAddresses"_s,
        u"receivedAt"_s};
    QCOMPARE(QString::fromUtf8(jmapEmailJson(message, options)),
        u"{\"subject\":\"Webhook ✓ failed für café\","
        "\"header:Subject:asText\":\"Webhook ✓ failed für café\","
        "\"header:X-Missing:all\":[],"
        "\"header:Cc:asGroupedAddresses\":[{\"name\":null,\"addresses\":"
        "[{\"name\":\"Audit, Desk\",\"email\":\"audit@example.net\"}]}],"
        "\"hasAttachment\":true,"
        "\"preview\":\"Grüße aus dem Labor!\\nThe hook returned 451 for every recipient, "
        "which is a lot longer than the sixty-odd characters a QP line may carry before it "
        "needs a soft break.\"}"_s);
}

void TestMimeJmap::truncatesBodyValues()
{
    const MimeMessage message
        = MimeDecoder::decode(TestSupport::readData(u"mime/alternative-crlf.eml"_s));
    JmapOptions options;
    options.properties = QStringList {u"bodyValues"_s};
    options.maxBodyValueBytes = 20;
    QJsonObject values = render(message, options).value(u"bodyValues").toObject();
    // 17 octets of UTF-8 and "...", never half a character.
    QCOMPARE(values.value(u"2").toObject().value(u"value").toString(), u"Grüße aus dem L..."_s);
    QVERIFY(values.value(u"2").toObject().value(u"isTruncated").toBool());

    // HTML is not cut inside a tag.
    options.maxBodyValueBytes = 10;
    values = render(message, options).value(u"bodyValues").toObject();
    QCOMPARE(values.value(u"3").toObject().value(u"value").toString(), u"<html>..."_s);

    // Without a limit, CRs are dropped: values are text, not wire format.
    options.maxBodyValueBytes = 0;
    values = render(message, options).value(u"bodyValues").toObject();
    QVERIFY(!values.value(u"2").toObject().value(u"value").toString().contains(u'\r'));
    QVERIFY(!values.value(u"2").toObject().value(u"isTruncated").toBool());

    // An unknown charset is an encoding problem.
    const MimeMessage broken = MimeDecoder::decode(TestSupport::readData(u"mime/malformed.eml"_s));
    values = render(broken, options).value(u"bodyValues").toObject();
    QVERIFY(values.value(u"3").toObject().value(u"isEncodingProblem").toBool());
    QVERIFY(!values.value(u"5").toObject().value(u"isEncodingProblem").toBool());
}

void TestMimeJmap::keepsHeadersRawWithoutStalwartCompatibility()
{
    const QByteArray raw("From: a@example.com\r\n"
                         "Subject: trailing blanks  \r\n"
                         "Content-type: text/plain\r\n"
                         "\r\n"
                         "body\r\n");
    const MimeMessage message = MimeDecoder::decode(raw);
    JmapOptions options;
    options.properties = QStringList {u"headers"_s};
    QCOMPARE(jmapEmailJson(message, options),
        QByteArray("{\"headers\":[{\"name\":\"From\",\"value\":\" a@example.com\"},"
                   "{\"name\":\"Subject\",\"value\":\" trailing blanks  \"},"
                   "{\"name\":\"Content-type\",\"value\":\" text/plain\"}]}"));
    options.stalwartCompatible = true;
    QCOMPARE(jmapEmailJson(message, options),
        QByteArray("{\"headers\":[{\"name\":\"From\",\"value\":\" a@example.com\"},"
                   "{\"name\":\"Subject\",\"value\":\" trailing blanks\"},"
                   "{\"name\":\"Content-Type\",\"value\":\" text/plain\"}]}"));
}

void TestMimeJmap::writesToDevice()
{
    // Blobs are streamed into the device; the text must be the same as the in-memory rendering.
    const MimeMessage message
        = MimeDecoder::decodeFile(TestSupport::dataPath(u"mime/rfc822.eml"_s));
    for (const bool inlineBlobs : {true, false}) {
        JmapOptions options;
        options.inlineBlobs = inlineBlobs;
        options.properties = QStringList {u"bodyStructure"_s, u"attachments"_s, u"preview"_s};
        QBuffer buffer;
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        QVERIFY(writeJmapEmailJson(&buffer, message, options));
        const QByteArray json = jmapEmailJson(message, options);
        QCOMPARE(buffer.data(), json);
        QVERIFY(!json.contains("hookscope:blob:"));
        QVERIFY(QJsonDocument::fromJson(json).isObject());
    }
    QBuffer readOnly;
    QVERIFY(readOnly.open(QIODevice::ReadOnly));
    QVERIFY(!writeJmapEmailJson(&readOnly, message));

    // The attached message goes out whole as its blob.
    JmapOptions options;
    options.properties = QStringList {u"attachments"_s};
    const QJsonObject email = render(message, options);
    const QByteArray blob = QByteArray::fromBase64(email.value(u"attachments")
                                                       .toArray()
                                                       .at(0)
                                                       .toObject()
                                                       .value(u"blob")
                                                       .toString()
                                                       .toLatin1());
    QCOMPARE(blob.size(), 501);
    QVERIFY(blob.startsWith("From: Build Bot <bot@ci.example>\n"));
    QVERIFY(blob.endsWith("mime,1.5\n--inner-boundary--"));
}

QTEST_GUILESS_MAIN(TestMimeJmap)
#include "tst_mime_jmap.moc"
