// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the suites that replay to the mock scanner (tst_mta_registration, _failures,
// _outcomes, _concurrency; header-only, like mtatest.h): rules and answers in one line, stage
// lists that read well in a failure message, and ReplayerTest::Fixture, an in-process
// HookEndpoint + Rulebook on 127.0.0.1 that records every exchange it answers.

#include "mock/mta/sessionreplayer.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/hookendpoint.h"
#include "mock/scanner/rulebook.h"
#include "tests/mta/mtatest.h"

#include <QSignalSpy>
#include <QStringList>
#include <QTest>

#include <memory>

namespace ReplayerTest {

using namespace Qt::StringLiterals;

inline Mock::Rule rule(
    const QString &name, QList<MtaHooks::Stage> stages, const Mock::Answer &answer)
{
    Mock::Rule r;
    r.name = name;
    r.when.stages = std::move(stages);
    r.answer = answer;
    return r;
}

inline Mock::Answer preset(MtaHooks::Preset p)
{
    return Mock::Answer::fromPreset(p);
}

inline Mock::Answer fault(Mock::Fault f)
{
    Mock::Answer answer;
    answer.fault = f;
    return answer;
}

inline Mock::Answer body(const QByteArray &text, int status = 200)
{
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Body;
    answer.body = text;
    answer.httpStatus = status;
    return answer;
}

inline QString describeStages(const Mock::ReplayResult &result)
{
    QStringList lines;
    for (const Mock::StageResult &stage : result.stages)
        lines << u"%1 %2: HTTP %3, %4 (%5)%6 %7"_s.arg(stage.stageName, stage.recipient)
                     .arg(stage.httpStatus)
                     .arg(actionName(stage.outcome.action), stage.outcome.reply.toString(),
                         stage.transportError.isEmpty() ? QString() : u" "_s + stage.transportError,
                         MtaTest::describe(stage.outcome.problems));
    if (result.stopped)
        lines << u"stopped: "_s + result.stopReason;
    if (!result.error.isEmpty())
        lines << u"error: "_s + result.error;
    return lines.join(u'\n');
}

inline QStringList stageNames(const Mock::ReplayResult &result)
{
    QStringList names;
    for (const Mock::StageResult &stage : result.stages)
        names << stage.stageName + (stage.recipient.isEmpty() ? QString() : u':' + stage.recipient);
    return names;
}

inline const Mock::StageResult *findStage(
    const Mock::ReplayResult &result, MtaHooks::Stage stage, const QString &recipient = {})
{
    for (const Mock::StageResult &candidate : result.stages) {
        if (candidate.stage == stage && (recipient.isEmpty() || candidate.recipient == recipient))
            return &candidate;
    }
    return nullptr;
}

inline QByteArray headerOf(const Mock::HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

// The scanner each test replays to, fresh for every test function: a suite calls setUp() from
// its init() slot and tearDown() from its cleanup() slot (Qt Test finds slots only in the class
// that declares Q_OBJECT, so the fixture has none of its own).
class Fixture : public QObject
{
protected:
    void setUp()
    {
        m_rulebook = std::make_unique<Mock::Rulebook>();
        m_endpoint = std::make_unique<Mock::HookEndpoint>(m_rulebook.get());
        m_exchanges.clear();
        m_results.clear();
        m_summary = {};
        connect(m_endpoint.get(), &Mock::HookEndpoint::exchangeCaptured, this,
            [this](const Mock::Exchange &exchange) { m_exchanges.append(exchange); });
        QVERIFY2(m_endpoint->listen(), qPrintable(m_endpoint->errorString()));
    }

    void tearDown()
    {
        m_endpoint.reset();
        m_rulebook.reset();
    }

    // Replays and waits: true when every session finished (results in m_results, m_summary).
    bool replay(const QList<Mock::SessionRecording> &sessions, const Mock::ReplayTarget &target,
        int concurrency = 1)
    {
        Mock::SessionReplayer replayer;
        QSignalSpy finished(&replayer, &Mock::SessionReplayer::finished);
        QSignalSpy sessionFinished(&replayer, &Mock::SessionReplayer::sessionFinished);
        replayer.start(sessions, target, concurrency);
        if (finished.isEmpty() && !finished.wait(MtaTest::LongWaitMs))
            return false;
        if (replayer.isRunning())
            return false;
        m_results = replayer.results();
        m_summary = finished.constFirst().constFirst().value<Mock::ReplaySummary>();
        return sessionFinished.size() == sessions.size() && m_results.size() == sessions.size();
    }

    // The endpoint's /hook, without discovery or registration.
    Mock::ReplayTarget target(
        MtaHooks::Dialect dialect, MtaHooks::Encoding encoding = MtaHooks::Encoding::Json) const
    {
        Mock::ReplayTarget t;
        t.url = QUrl(m_endpoint->url() + u"/hook"_s);
        t.dialect = dialect;
        t.encoding = encoding;
        t.timeoutMs = 20000;
        t.discover = false;
        t.registerMta = false;
        return t;
    }

    QList<Mock::Exchange> hookExchanges() const
    {
        QList<Mock::Exchange> hooks;
        for (const Mock::Exchange &exchange : m_exchanges) {
            if (exchange.kind == Mock::ExchangeKind::Hook)
                hooks.append(exchange);
        }
        return hooks;
    }

    std::unique_ptr<Mock::Rulebook> m_rulebook;
    std::unique_ptr<Mock::HookEndpoint> m_endpoint;
    QList<Mock::Exchange> m_exchanges; // what the endpoint captured, in answer order
    QList<Mock::ReplayResult> m_results;
    Mock::ReplaySummary m_summary;
};

} // namespace ReplayerTest
