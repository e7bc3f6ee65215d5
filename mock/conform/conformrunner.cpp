// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/conformrunner.h"

#include "mock/capture/exchange.h"
#include "mock/capture/httpvocabulary.h"
#include "mock/conform/logging.h"
#include "mock/conform/sentexchange_p.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMetaMethod>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Conform {

namespace {

constexpr qsizetype BodyExcerpt = 600;

QString bodyExcerpt(const QByteArray &body)
{
    if (body.isEmpty())
        return {};
    const QByteArray head = body.left(BodyExcerpt);
    const QString text = QString::fromUtf8(head);
    const bool printable = std::all_of(text.cbegin(), text.cend(),
        [](QChar c) { return c.isPrint() || c == u'\n' || c == u'\r' || c == u'\t'; });
    QString shown = printable ? text
                              : u"<%1 bytes, starting %2>"_s.arg(body.size())
                                    .arg(QString::fromLatin1(body.left(48).toHex(' ')));
    if (printable && body.size() > BodyExcerpt)
        shown += u"… (%1 bytes)"_s.arg(body.size());
    return shown;
}

// The credentials a call presents when they are not the configured ones: none, or a value of the
// same scheme that no scanner can have provisioned.
QByteArray wrongAuthorization(const Mock::HttpAuth &auth)
{
    if (auth.scheme == Mock::HttpAuth::Scheme::Basic) {
        Mock::HttpAuth wrong = auth;
        wrong.password += u"-not-this-one"_s;
        return wrong.authorization();
    }
    return "Bearer hookscope-conform-wrong-token-0123456789abcdef";
}

QString formatSent(const Mock::HttpCall &call, const QByteArray &authorization)
{
    QString text = QString::fromLatin1(call.method) + u' ' + call.url.toString() + u'\n';
    Mock::HttpHeaders headers = call.headers;
    if (!authorization.isEmpty())
        headers.append({"Authorization", authorization});
    Mock::redactCredentials(headers);
    for (const auto &[name, value] : std::as_const(headers))
        text += QString::fromLatin1(name) + u": "_s + QString::fromUtf8(value) + u'\n';
    const QString body = bodyExcerpt(call.body);
    if (!body.isEmpty())
        text += u'\n' + body;
    return text;
}

QString formatSeen(const Mock::HttpResult &result)
{
    if (result.status == 0)
        return u"no answer: "_s + result.error;
    QString text = u"HTTP %1\n"_s.arg(result.status);
    for (const auto &[name, value] : std::as_const(result.headers))
        text += QString::fromLatin1(name) + u": "_s + QString::fromUtf8(value) + u'\n';
    const QString body = bodyExcerpt(result.body);
    if (!body.isEmpty())
        text += u'\n' + body;
    return text;
}

} // namespace

struct Runner::Private
{
    class Run;

    Runner *q = nullptr;
    Target target;
    QList<Check> checks;
    bool customChecks = false;
    QList<Result> results;
    ScannerFacts facts;
    int next = 0;
    bool running = false;
    bool anyAnswer = false;
    bool unreachable = false;
    bool stopped = false;
    QByteArray authorization;
    QByteArray wrong;
    Mock::ClientTls tls;
    Mock::HookClient *configured = nullptr;
    Mock::HookClient *anonymous = nullptr;
    Mock::HookClient *impostor = nullptr;
    std::unique_ptr<Run> current;
    QString sessionKey;
    qint64 recorded = 0; // exchanges numbered so far in this run

    void runNext();
    Evidence record(const Detail::SentCall &sent);
    void configure(Mock::HookClient *client) const
    {
        client->setTls(tls);
        client->setAllowInvalidCertificates(target.allowInvalidCertificates);
    }
    void finished(const Result &result);
};

class Runner::Private::Run final : public CheckRun
{
public:
    Run(Runner::Private *runner, const Check &check)
        : m_runner(runner)
    {
        m_result.id = check.id;
        m_result.clause = check.clause;
        m_result.level = check.level;
        m_result.title = check.title;
        m_clock.start();
    }

    const Target &target() const override { return m_runner->target; }
    ScannerFacts &facts() override { return m_runner->facts; }

    void send(const Mock::HttpCall &call, Credentials credentials,
        std::function<void(const Mock::HttpResult &)> then) override
    {
        Mock::HookClient *client = m_runner->configured;
        QByteArray authorization = m_runner->authorization;
        if (credentials == Credentials::None) {
            client = m_runner->anonymous;
            authorization.clear();
        } else if (credentials == Credentials::Wrong) {
            client = m_runner->impostor;
            authorization = m_runner->wrong;
        }
        Mock::HttpCall timed = call;
        timed.timeoutMs = m_runner->target.timeoutMs;
        timed.maxRetries = 0;
        qCDebug(lcConform) << m_result.id << call.method << call.url;
        client->send(timed,
            [this, timed, authorization, sent = QDateTime::currentDateTimeUtc(),
                then = std::move(then)](const Mock::HttpResult &result) {
                m_result.evidence.append(
                    m_runner->record({m_result.id, timed, authorization, result, sent}));
                if (result.status != 0)
                    m_runner->anyAnswer = true;
                else if (!m_runner->anyAnswer)
                    m_runner->unreachable = true;
                if (m_runner->unreachable) {
                    finish(Status::Fail, u"the scanner did not answer: "_s + result.error);
                    return;
                }
                then(result);
            });
    }

    void sendAll(const QList<Mock::HttpCall> &calls,
        std::function<void(const QList<Mock::HttpResult> &)> then) override
    {
        // A manager per call: one manager opens at most six connections to a host, and the
        // calls are meant to arrive together.
        auto *group = new QObject(m_runner->q);
        auto results = std::make_shared<QList<Mock::HttpResult>>(calls.size());
        auto pending = std::make_shared<qsizetype>(calls.size());
        for (qsizetype i = 0; i < calls.size(); ++i) {
            auto *client = new Mock::HookClient(group);
            m_runner->configure(client);
            client->setAuthorization(m_runner->authorization);
            Mock::HttpCall timed = calls.at(i);
            timed.timeoutMs = m_runner->target.timeoutMs;
            timed.maxRetries = 0;
            client->send(timed, [group, results, pending, i, then](const Mock::HttpResult &r) {
                (*results)[i] = r;
                if (--*pending == 0) {
                    group->deleteLater();
                    then(*results);
                }
            });
        }
    }

    void addEvidence(const Mock::HttpCall &call, const Mock::HttpResult &result) override
    {
        // Sent with others by sendAll: it went out about one latency ago.
        const QDateTime sent = QDateTime::currentDateTimeUtc().addMSecs(-(result.latencyUs / 1000));
        m_result.evidence.append(
            m_runner->record({m_result.id, call, m_runner->authorization, result, sent}));
    }

    void finish(Status status, const QString &detail) override
    {
        if (m_finished)
            return;
        m_finished = true;
        m_result.status = status;
        m_result.detail = detail;
        m_result.elapsedMs = m_clock.elapsed();
        // Later: the check's own callback is still on the stack.
        QTimer::singleShot(
            0, m_runner->q, [runner = m_runner, result = m_result] { runner->finished(result); });
    }

private:
    Runner::Private *m_runner;
    Result m_result;
    QElapsedTimer m_clock;
    bool m_finished = false;
};

Runner::Runner(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->configured = new Mock::HookClient(this);
    d->anonymous = new Mock::HookClient(this);
    d->impostor = new Mock::HookClient(this);
}

Runner::~Runner() = default;

void Runner::setChecks(const QList<Check> &checks)
{
    d->checks = checks;
    d->customChecks = true;
}

void Runner::start(const Target &target)
{
    d->target = target;
    if (!d->customChecks)
        d->checks = checksFor(target.dialect);
    d->results.clear();
    d->facts = {};
    d->next = 0;
    d->anyAnswer = false;
    d->unreachable = false;
    d->stopped = false;
    d->recorded = 0;
    d->sessionKey
        = u"conform-"_s + QDateTime::currentDateTimeUtc().toString(u"yyyyMMdd'T'HHmmss.zzz'Z'"_s);
    const auto auth = Mock::HttpAuth::parse(target.auth).value_or(Mock::HttpAuth {});
    d->authorization = auth.authorization();
    d->wrong = wrongAuthorization(auth);
    d->tls = Mock::ClientTls::load(target.tls);
    for (Mock::HookClient *client : {d->configured, d->anonymous, d->impostor})
        d->configure(client);
    d->configured->setAuthorization(d->authorization);
    d->impostor->setAuthorization(d->wrong);
    d->running = true;
    QTimer::singleShot(0, this, [this] { d->runNext(); });
}

Evidence Runner::Private::record(const Detail::SentCall &sent)
{
    Evidence evidence {
        formatSent(sent.call, sent.authorization), formatSeen(sent.result), recorded++, 0};
    // Decoding and judging a call is for a listener only (the command has none).
    if (q->isSignalConnected(QMetaMethod::fromSignal(&Runner::exchangeRecorded))) {
        Mock::Exchange exchange = Detail::sentExchange(sent, target, facts);
        exchange.sessionKey = sessionKey;
        exchange.sequence = int(evidence.exchange) + 1;
        Q_EMIT q->exchangeRecorded(exchange, evidence.exchange);
    }
    return evidence;
}

void Runner::Private::runNext()
{
    while (next < checks.size() && (unreachable || stopped)) {
        const Check &check = checks.at(next++);
        Result skipped {check.id, check.clause, check.level, check.title, Status::Skip,
            unreachable ? u"the scanner did not answer"_s : u"stopped before it ran"_s, {}, 0};
        results.append(skipped);
        Q_EMIT q->checkFinished(skipped);
    }
    if (next >= checks.size()) {
        running = false;
        current.reset();
        Q_EMIT q->finished();
        return;
    }
    const Check &check = checks.at(next++);
    current = std::make_unique<Run>(this, check);
    check.run(*current);
}

void Runner::Private::finished(const Result &result)
{
    qCDebug(lcConform) << result.id << statusName(result.status) << result.detail;
    results.append(result);
    Q_EMIT q->checkFinished(result);
    runNext();
}

void Runner::stop()
{
    if (d->running)
        d->stopped = true;
}

bool Runner::isRunning() const
{
    return d->running;
}

bool Runner::unreachable() const
{
    return d->unreachable;
}

QList<Result> Runner::results() const
{
    return d->results;
}

QString Runner::sessionKey() const
{
    return d->sessionKey;
}

bool Runner::mustsPass() const
{
    return std::none_of(d->results.cbegin(), d->results.cend(),
        [](const Result &r) { return r.level == Level::Must && r.status == Status::Fail; });
}

QString levelName(Level level)
{
    return level == Level::Must ? u"MUST"_s : u"SHOULD"_s;
}

QString statusName(Status status)
{
    switch (status) {
    case Status::Pass:
        return u"PASS"_s;
    case Status::Fail:
        return u"FAIL"_s;
    case Status::Skip:
        break;
    }
    return u"SKIP"_s;
}

} // namespace Conform
