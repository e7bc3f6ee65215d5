// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the tst_scanner_endpoint_* suites share: one HookEndpoint on 127.0.0.1 (an ephemeral port)
// with its rules and an in-memory capture store, reset before each test, a QNetworkAccessManager
// client, and the rules and answers the tests are written in. Header-only: each suite stays one
// executable.

#include "mock/capture/capturestore.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/scanner/rawhttp.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace EndpointTest {

using RawHttp::Headers;
using RawHttp::Patience;

struct HttpResult
{
    int status = -1; // -1: no answer within Patience
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    Headers headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        for (const auto &header : headers) {
            if (header.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
};

inline Headers draftHeaders(const QByteArray &contentType = "application/json")
{
    static int counter = 0;
    return {{"Content-Type", contentType}, {"X-MTA-Hooks-Registration", "reg-test"},
        {"X-MTA-Hooks-Request-Id", "req-" + QByteArray::number(++counter)}};
}

inline Mock::Rule ruleFor(
    const QString &name, const QString &pointer, const QString &equals, const Mock::Answer &answer)
{
    Mock::Rule rule;
    rule.name = name;
    rule.when.pointer = pointer;
    rule.when.equals = equals;
    rule.answer = answer;
    return rule;
}

inline Mock::Rule alwaysRule(const Mock::Answer &answer)
{
    Mock::Rule rule;
    rule.name = QStringLiteral("always");
    rule.answer = answer;
    return rule;
}

inline Mock::Answer faultAnswer(Mock::Fault fault)
{
    Mock::Answer answer;
    answer.fault = fault;
    return answer;
}

inline Mock::Answer delayed(int ms, Mock::Answer answer = {})
{
    answer.delay = {Mock::Delay::Kind::Fixed, ms, 0, 0};
    return answer;
}

inline Mock::Answer holdAnswer()
{
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Hold;
    return answer;
}

inline Mock::Answer bodyAnswer(const QByteArray &body)
{
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Body;
    answer.body = body;
    return answer;
}

inline bool hasProblem(const Mock::Exchange &exchange, const QString &text)
{
    for (const MtaHooks::Problem &problem : exchange.problems) {
        if (problem.message.contains(text))
            return true;
    }
    return false;
}

// The endpoint a suite talks to. A suite's test class derives from QObject and this, and calls
// startEndpoint, resetEndpoint and stopEndpoint from initTestCase, init and cleanupTestCase.
class Fixture
{
public:
    Fixture()
        : m_endpoint(&m_rules)
    { }

protected:
    void startEndpoint()
    {
        QVERIFY2(m_store.open(QStringLiteral(":memory:")), qPrintable(m_store.lastError()));
        Mock::EndpointSettings settings;
        settings.address = QHostAddress::LocalHost;
        settings.port = 0;
        m_endpoint.setSettings(settings);
        m_endpoint.setCaptureStore(&m_store);
        QVERIFY2(m_endpoint.listen(), qPrintable(m_endpoint.errorString()));
        QVERIFY(m_endpoint.isListening());
        m_port = m_endpoint.serverPort();
        QVERIFY(m_port != 0);
        QCOMPARE(m_endpoint.url(), QStringLiteral("http://127.0.0.1:%1").arg(m_port));
        m_nam.setProxy(QNetworkProxy::NoProxy);
    }

    // Default settings on the same port, no rules, nothing held, every stage accepted.
    void resetEndpoint()
    {
        Mock::EndpointSettings settings;
        settings.port = m_port;
        m_endpoint.setSettings(settings);
        m_rules.setRules({});
        for (MtaHooks::Stage stage : MtaHooks::inboundStages() + MtaHooks::outboundStages()) {
            m_rules.setHeld(stage, false);
            m_rules.setDefaultAnswer(stage, Mock::Answer::fromPreset(MtaHooks::Preset::Accept));
        }
        m_rules.setHoldTimeoutMs(Patience);
        m_rules.setMtaTimeoutMs(30000);
        m_rules.setDraftAnswerDialect(MtaHooks::Dialect::Draft01);
        m_nam.clearConnectionCache();
    }

    void stopEndpoint()
    {
        m_endpoint.close();
        QVERIFY(!m_endpoint.isListening());
    }

    HttpResult send(const QByteArray &method, const QString &path, const QByteArray &body,
        const Headers &headers)
    {
        QNetworkRequest request(QUrl(m_endpoint.url() + path));
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        request.setTransferTimeout(Patience);
        std::unique_ptr<QNetworkReply> reply(m_nam.sendCustomRequest(request, method, body));
        QSignalSpy finished(reply.get(), &QNetworkReply::finished);
        HttpResult result;
        if (!reply->isFinished() && !finished.wait(Patience + 5000))
            return result;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        result.status = status.isValid() ? status.toInt() : 0;
        result.error = reply->error();
        result.headers = reply->rawHeaderPairs();
        result.body = reply->readAll();
        return result;
    }
    HttpResult post(const QString &path, const QByteArray &body, const Headers &headers)
    {
        return send("POST", path, body, headers);
    }
    // The newest exchange the endpoint reported.
    Mock::Exchange lastCaptured(QSignalSpy &spy) const
    {
        if (spy.isEmpty())
            return {};
        return spy.last().first().value<Mock::Exchange>();
    }

    Mock::Rulebook m_rules;
    Mock::CaptureStore m_store;
    Mock::HookEndpoint m_endpoint;
    QNetworkAccessManager m_nam;
    quint16 m_port = 0;
};

} // namespace EndpointTest
