// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/harexport.h"
#include "mock/capture/sessionfile.h"
#include "tests/capture/capturetest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace CaptureTest;
using Mock::Exchange;

namespace {

constexpr qint64 t0 = 1772619630000;

QJsonObject parseHar(const QByteArray &har)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(har, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("HAR is not JSON: %s", qPrintable(error.errorString()));
    return document.object();
}

// The members HAR 1.2 requires of an object, with their JSON types; "" when all are there.
QString missing(
    const QJsonObject &object, const QList<std::pair<QString, QJsonValue::Type>> &members)
{
    for (const auto &[name, type] : members) {
        if (!object.contains(name))
            return u"missing %1"_s.arg(name);
        if (object.value(name).type() != type)
            return u"%1 has type %2"_s.arg(name).arg(int(object.value(name).type()));
    }
    return {};
}

// Checks one entry against the HAR 1.2 required fields and their types; "" when valid.
QString harEntryProblem(const QJsonObject &entry)
{
    using T = QJsonValue::Type;
    QString problem = missing(entry,
        {{u"startedDateTime"_s, T::String}, {u"time"_s, T::Double}, {u"request"_s, T::Object},
            {u"response"_s, T::Object}, {u"cache"_s, T::Object}, {u"timings"_s, T::Object}});
    if (!problem.isEmpty())
        return u"entry: "_s + problem;
    const QJsonObject request = entry.value(u"request"_s).toObject();
    problem = missing(request,
        {{u"method"_s, T::String}, {u"url"_s, T::String}, {u"httpVersion"_s, T::String},
            {u"cookies"_s, T::Array}, {u"headers"_s, T::Array}, {u"queryString"_s, T::Array},
            {u"headersSize"_s, T::Double}, {u"bodySize"_s, T::Double}});
    if (!problem.isEmpty())
        return u"request: "_s + problem;
    if (request.contains(u"postData"_s)) {
        problem = missing(request.value(u"postData"_s).toObject(),
            {{u"mimeType"_s, T::String}, {u"text"_s, T::String}});
        if (!problem.isEmpty())
            return u"postData: "_s + problem;
    }
    const QJsonObject response = entry.value(u"response"_s).toObject();
    problem = missing(response,
        {{u"status"_s, T::Double}, {u"statusText"_s, T::String}, {u"httpVersion"_s, T::String},
            {u"cookies"_s, T::Array}, {u"headers"_s, T::Array}, {u"content"_s, T::Object},
            {u"redirectURL"_s, T::String}, {u"headersSize"_s, T::Double},
            {u"bodySize"_s, T::Double}});
    if (!problem.isEmpty())
        return u"response: "_s + problem;
    problem = missing(response.value(u"content"_s).toObject(),
        {{u"size"_s, T::Double}, {u"mimeType"_s, T::String}});
    if (!problem.isEmpty())
        return u"content: "_s + problem;
    const QJsonObject timings = entry.value(u"timings"_s).toObject();
    problem = missing(
        timings, {{u"send"_s, T::Double}, {u"wait"_s, T::Double}, {u"receive"_s, T::Double}});
    if (!problem.isEmpty())
        return u"timings: "_s + problem;
    // "time" is the sum of the timings that apply (-1 = does not apply).
    double sum = 0;
    for (auto it = timings.begin(); it != timings.end(); ++it) {
        if (it.value().toDouble() >= 0)
            sum += it.value().toDouble();
    }
    if (!qFuzzyCompare(1 + sum, 1 + entry.value(u"time"_s).toDouble()))
        return u"time %1 is not the sum of the timings %2"_s.arg(entry.value(u"time"_s).toDouble())
            .arg(sum);
    static const QRegularExpression iso(uR"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"_s);
    if (!iso.match(entry.value(u"startedDateTime"_s).toString()).hasMatch())
        return u"startedDateTime %1"_s.arg(entry.value(u"startedDateTime"_s).toString());
    for (const QJsonValue &header : request.value(u"headers"_s).toArray()) {
        if (!missing(header.toObject(), {{u"name"_s, T::String}, {u"value"_s, T::String}})
                 .isEmpty())
            return u"request header without name/value"_s;
    }
    return {};
}

QList<Exchange> sample()
{
    Exchange json = hookCall(u"stalwart/mail.json"_s, at(t0 + 5));
    json.sessionKey = u"192.0.2.44:41822@1772619630000"_s;
    json.sequence = 3;
    json.latencyUs = 2500;
    json.path = "/hook?tenant=a%20b&debug";

    Exchange cbor = everyField(); // binary bodies, duplicate headers, no Host header
    cbor.requestHeaders.removeIf([](const auto &header) { return header.first == "Host"; });

    Exchange held = hookCall(u"draft01/rcpt.json"_s, at(t0 + 9));
    held.held = true;
    held.action = MtaHooks::Action::None;
    held.verdict = MtaHooks::Verdict::None;
    held.httpStatus = 0;
    held.responseHeaders.clear();
    held.responseBody.clear();
    held.latencyUs = 0;
    held.requestHeaders = {{"host", "scanner.example.com"}, {"content-type", "application/json"}};

    Exchange discovery;
    discovery.kind = Mock::ExchangeKind::Discovery;
    discovery.received = at(t0 + 20);
    discovery.method = "GET";
    discovery.path = "/.well-known/mta-hooks";
    discovery.httpStatus = 200;
    discovery.responseHeaders = {{"Content-Type", "application/json"}};
    discovery.responseBody = R"({"versions":["1.0"]})";
    return {json, cbor, held, discovery};
}

} // namespace

class TestCaptureHar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void isValidHar();
    void requests();
    void bodies();
    void responses();
    void hookscopeFields();
    void emptyAndTimeless();
    void importsWhatItExports();
    void refusesWhatIsNotHar();
};

void TestCaptureHar::isValidHar()
{
    const QJsonObject root = parseHar(Mock::harFromExchanges(sample()));
    QCOMPARE(root.keys(), QStringList {u"log"_s});
    const QJsonObject log = root.value(u"log"_s).toObject();
    QCOMPARE(log.value(u"version"_s).toString(), u"1.2"_s);
    const QJsonObject creator = log.value(u"creator"_s).toObject();
    QCOMPARE(creator.value(u"name"_s).toString(), u"Hookscope"_s);
    QCOMPARE(creator.value(u"version"_s).toString(), QStringLiteral(HOOKSCOPE_VERSION));
    const QJsonArray entries = log.value(u"entries"_s).toArray();
    QCOMPARE(entries.size(), 4);
    for (const QJsonValue &entry : entries)
        QCOMPARE(harEntryProblem(entry.toObject()), QString());
}

void TestCaptureHar::requests()
{
    const QJsonArray entries = parseHar(Mock::harFromExchanges(sample()))
                                   .value(u"log"_s)
                                   .toObject()
                                   .value(u"entries"_s)
                                   .toArray();
    const QJsonObject json = entries.at(0).toObject();
    QCOMPARE(json.value(u"startedDateTime"_s).toString(), u"2026-03-04T10:20:30.005Z"_s);
    QCOMPARE(json.value(u"time"_s).toDouble(), 2.5);
    QCOMPARE(json.value(u"timings"_s).toObject().value(u"wait"_s).toDouble(), 2.5);
    const QJsonObject request = json.value(u"request"_s).toObject();
    QCOMPARE(request.value(u"method"_s).toString(), u"POST"_s);
    QCOMPARE(
        request.value(u"url"_s).toString(), u"http://127.0.0.1:8025/hook?tenant=a%20b&debug"_s);
    QCOMPARE(request.value(u"httpVersion"_s).toString(), u"HTTP/1.1"_s);
    QCOMPARE(request.value(u"headersSize"_s).toInt(), -1);
    const QJsonArray query = request.value(u"queryString"_s).toArray();
    QCOMPARE(query.size(), 2);
    QCOMPARE(query.at(0).toObject().value(u"name"_s).toString(), u"tenant"_s);
    QCOMPARE(query.at(0).toObject().value(u"value"_s).toString(), u"a b"_s);
    QCOMPARE(query.at(1).toObject().value(u"name"_s).toString(), u"debug"_s);
    QCOMPARE(query.at(1).toObject().value(u"value"_s).toString(), QString());

    // No Host header: the loopback address stands in.
    const QJsonObject cbor = entries.at(1).toObject().value(u"request"_s).toObject();
    QCOMPARE(cbor.value(u"url"_s).toString(), u"http://127.0.0.1/hooks/mail?x=1&y=%20two"_s);
    const QJsonArray headers = cbor.value(u"headers"_s).toArray();
    QCOMPARE(headers.size(), 5); // duplicates kept, in wire order
    QCOMPARE(headers.at(1).toObject().value(u"value"_s).toString(), u"one"_s);
    QCOMPARE(headers.at(2).toObject().value(u"name"_s).toString(), u"x-dup"_s);
    QCOMPARE(headers.at(4).toObject().value(u"value"_s).toString(), u"caf\u00e9"_s);

    const QJsonObject held = entries.at(2).toObject().value(u"request"_s).toObject();
    QCOMPARE(held.value(u"url"_s).toString(), u"http://scanner.example.com/hook"_s);

    const QJsonObject get = entries.at(3).toObject().value(u"request"_s).toObject();
    QCOMPARE(get.value(u"method"_s).toString(), u"GET"_s);
    QVERIFY(!get.contains(u"postData"_s));
    QCOMPARE(get.value(u"bodySize"_s).toInt(), 0);
}

void TestCaptureHar::bodies()
{
    const QList<Exchange> exchanges = sample();
    const QJsonArray entries = parseHar(Mock::harFromExchanges(exchanges))
                                   .value(u"log"_s)
                                   .toObject()
                                   .value(u"entries"_s)
                                   .toArray();
    const QJsonObject postData
        = entries.at(0).toObject().value(u"request"_s).toObject().value(u"postData"_s).toObject();
    QCOMPARE(postData.value(u"mimeType"_s).toString(), u"application/json"_s);
    QCOMPARE(postData.value(u"text"_s).toString().toUtf8(), exchanges.at(0).requestBody);
    QVERIFY(!postData.contains(u"encoding"_s));
    QCOMPARE(entries.at(0).toObject().value(u"request"_s).toObject().value(u"bodySize"_s).toInt(),
        exchanges.at(0).requestBody.size());

    const QJsonObject binary
        = entries.at(1).toObject().value(u"request"_s).toObject().value(u"postData"_s).toObject();
    QCOMPARE(binary.value(u"mimeType"_s).toString(), u"application/cbor"_s);
    QCOMPARE(binary.value(u"encoding"_s).toString(), u"base64"_s);
    QCOMPARE(QByteArray::fromBase64(binary.value(u"text"_s).toString().toLatin1()),
        exchanges.at(1).requestBody);
    const QJsonObject content
        = entries.at(1).toObject().value(u"response"_s).toObject().value(u"content"_s).toObject();
    // Declared JSON but not valid UTF-8: base64 all the same, nothing is lost.
    QCOMPARE(content.value(u"encoding"_s).toString(), u"base64"_s);
    QCOMPARE(QByteArray::fromBase64(content.value(u"text"_s).toString().toLatin1()),
        exchanges.at(1).responseBody);
    QCOMPARE(content.value(u"size"_s).toInt(), exchanges.at(1).responseBody.size());
}

void TestCaptureHar::responses()
{
    const QJsonArray entries = parseHar(Mock::harFromExchanges(sample()))
                                   .value(u"log"_s)
                                   .toObject()
                                   .value(u"entries"_s)
                                   .toArray();
    const QJsonObject ok = entries.at(0).toObject().value(u"response"_s).toObject();
    QCOMPARE(ok.value(u"status"_s).toInt(), 200);
    QCOMPARE(ok.value(u"statusText"_s).toString(), u"OK"_s);
    QCOMPARE(ok.value(u"redirectURL"_s).toString(), QString());
    QCOMPARE(ok.value(u"headersSize"_s).toInt(), -1);
    const QJsonObject content = ok.value(u"content"_s).toObject();
    QCOMPARE(content.value(u"mimeType"_s).toString(), u"application/json"_s);
    QCOMPARE(content.value(u"text"_s).toString(), uR"({"action":"accept"})"_s);

    const QJsonObject held = entries.at(2).toObject().value(u"response"_s).toObject();
    QCOMPARE(held.value(u"status"_s).toInt(), 0); // no answer (yet)
    QCOMPARE(held.value(u"statusText"_s).toString(), QString());
    QCOMPARE(held.value(u"bodySize"_s).toInt(), -1);
    QCOMPARE(held.value(u"content"_s).toObject().value(u"size"_s).toInt(), 0);
    QVERIFY(!held.value(u"content"_s).toObject().contains(u"text"_s));
}

void TestCaptureHar::hookscopeFields()
{
    const QJsonArray entries = parseHar(Mock::harFromExchanges(sample()))
                                   .value(u"log"_s)
                                   .toObject()
                                   .value(u"entries"_s)
                                   .toArray();
    const QJsonObject mail = entries.at(0).toObject().value(u"_hookscope"_s).toObject();
    QCOMPARE(mail.value(u"stage"_s).toString(), u"mail"_s);
    QCOMPARE(mail.value(u"dialect"_s).toString(), u"stalwart"_s);
    QCOMPARE(mail.value(u"rule"_s).toString(), u"default"_s);
    QCOMPARE(mail.value(u"verdict"_s).toString(), u"accept"_s);
    QCOMPARE(mail.value(u"session"_s).toString(), u"192.0.2.44:41822@1772619630000"_s);
    QCOMPARE(mail.value(u"sequence"_s).toInt(), 3);
    QCOMPARE(mail.value(u"kind"_s).toString(), u"hook"_s);
    QCOMPARE(mail.value(u"peer"_s).toObject().value(u"port"_s).toInt(), 40100);
    const QJsonObject problems = entries.at(1).toObject().value(u"_hookscope"_s).toObject();
    QCOMPARE(problems.value(u"verdict"_s).toString(), u"tempfail"_s);
    QCOMPARE(problems.value(u"problems"_s).toArray().size(), 3);
    QCOMPARE(problems.value(u"fault"_s).toString(), u"slow-answer"_s);
    const QJsonObject held = entries.at(2).toObject().value(u"_hookscope"_s).toObject();
    QCOMPARE(held.value(u"verdict"_s).toString(), u"held"_s);
    QCOMPARE(held.value(u"dialect"_s).toString(), u"draft-01"_s);
    QCOMPARE(entries.at(3).toObject().value(u"_hookscope"_s).toObject().value(u"kind"_s),
        QJsonValue(u"discovery"_s));
}

void TestCaptureHar::emptyAndTimeless()
{
    const QJsonObject empty = parseHar(Mock::harFromExchanges({}));
    QCOMPARE(empty.value(u"log"_s).toObject().value(u"version"_s).toString(), u"1.2"_s);
    QVERIFY(empty.value(u"log"_s).toObject().value(u"entries"_s).isArray());
    QCOMPARE(empty.value(u"log"_s).toObject().value(u"entries"_s).toArray().size(), 0);

    Exchange bare; // no time, no method, no path: still a valid entry
    const QJsonObject entry = parseHar(Mock::harFromExchanges({bare}))
                                  .value(u"log"_s)
                                  .toObject()
                                  .value(u"entries"_s)
                                  .toArray()
                                  .first()
                                  .toObject();
    QCOMPARE(harEntryProblem(entry), QString());
    QCOMPARE(entry.value(u"startedDateTime"_s).toString(), u"1970-01-01T00:00:00.000Z"_s);
    QCOMPARE(
        entry.value(u"request"_s).toObject().value(u"url"_s).toString(), u"http://127.0.0.1/"_s);
}

void TestCaptureHar::importsWhatItExports()
{
    const QList<Exchange> original = sample();
    const auto imported = Mock::exchangesFromHar(Mock::harFromExchanges(original));
    QVERIFY(imported);
    QCOMPARE(imported->size(), original.size());
    for (qsizetype i = 0; i < original.size(); ++i) {
        const Exchange &a = original.at(i);
        const Exchange &b = imported->at(i);
        QCOMPARE(b.method, a.method);
        QCOMPARE(b.path, a.path);
        QCOMPARE(b.requestBody, a.requestBody); // binary (CBOR) bodies survive base64
        QCOMPARE(b.responseBody, a.responseBody);
        QCOMPARE(b.httpStatus, a.httpStatus);
        QCOMPARE(b.requestHeaders, a.requestHeaders);
    }
    // The facts are decoded again, and the calls regrouped into sessions by their client.
    const Exchange &mail = imported->constFirst();
    QCOMPARE(mail.stage, MtaHooks::Stage::Mail);
    QCOMPARE(mail.dialect, MtaHooks::Dialect::Stalwart);
    QVERIFY(!mail.mailFrom.isEmpty());
    QVERIFY(mail.sessionKey.startsWith(mail.clientIp));
    const QList<Mock::SessionRecording> sessions = Mock::sessionsFromExchanges(*imported);
    QVERIFY(!sessions.isEmpty());
    QCOMPARE(sessions.constFirst().stages.constFirst().stage, MtaHooks::Stage::Mail);
}

void TestCaptureHar::refusesWhatIsNotHar()
{
    QString error;
    QVERIFY(!Mock::exchangesFromHar("{\"format\":\"hookscope-session\"}", &error));
    QVERIFY(error.contains(u"log.entries"_s));
    QVERIFY(!Mock::exchangesFromHar("not json", &error));
    QVERIFY(error.startsWith(u"not JSON"_s));
}

QTEST_GUILESS_MAIN(TestCaptureHar)
#include "tst_capture_har.moc"
