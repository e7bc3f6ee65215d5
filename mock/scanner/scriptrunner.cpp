// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/scriptrunner.h"

#include "mock/scanner/scriptcall_p.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJSEngine>
#include <QQueue>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

constexpr int MaxSessionStates = 10000;

// Under AddressSanitizer the process's resident size grows with the sanitizer's shadow memory and
// quarantine, whatever the script does: it says nothing of the script, so the memory budget is
// not checked there (the time budget still is).
#ifdef __SANITIZE_ADDRESS__
constexpr bool ResidentSizeIsMeaningful = false;
#else
constexpr bool ResidentSizeIsMeaningful = true;
#endif

// The answer helpers, in JavaScript because they are JavaScript: chainable builders whose result
// ScriptRunner reads back (verdict, reply, edits, delay, hold, fault). __makeCall gives `call`
// its lazy members. Evaluated once per engine.
const char *const prelude = R"JS(
(function (g) {
    function Answer(verdict, code, enhancedCode, text) {
        this.__hookscopeAnswer = true;
        this.verdict = verdict;
        this.code = code === undefined ? null : code;
        this.enhancedCode = enhancedCode === undefined ? null : enhancedCode;
        this.text = text === undefined ? null : text;
        this.edits = [];
        this.delayMs = 0;
        this.held = false;
        this.faultName = "";
    }
    function edit(kind) {
        return function (name, value) {
            this.edits.push([kind, name === undefined ? "" : String(name),
                             value === undefined ? "" : String(value)]);
            return this;
        };
    }
    Answer.prototype.addHeader = edit("addHeader");
    Answer.prototype.setHeader = edit("setHeader");
    Answer.prototype.removeHeader = edit("removeHeader");
    Answer.prototype.setSubject = function (text) { return edit("setSubject").call(this, "", text); };
    Answer.prototype.addRecipient = edit("addRecipient");
    Answer.prototype.removeRecipient = edit("removeRecipient");
    Answer.prototype.replaceBody = function (text) { return edit("replaceBody").call(this, "", text); };
    Answer.prototype.delay = function (ms) { this.delayMs = Number(ms); return this; };
    Answer.prototype.hold = function () { this.held = true; return this; };
    Answer.prototype.fault = function (name) { this.faultName = String(name); return this; };
    Object.freeze(Answer.prototype);
    function verdict(name) {
        return function (code, enhancedCode, text) { return new Answer(name, code, enhancedCode, text); };
    }
    g.accept = verdict("accept");
    g.reject = verdict("reject");
    g.tempfail = verdict("tempfail");
    g.discard = verdict("discard");
    g.quarantine = verdict("quarantine");
    g.disconnect = verdict("disconnect");
    g.__makeCall = function (call, data, hasMessage) {
        var request;
        Object.defineProperty(call, "request", { enumerable: true, get: function () {
            if (request === undefined) request = data.request();
            return request;
        }});
        if (!hasMessage) { call.message = null; return call; }
        var facts = null;
        var message = {
            header: function (name) { return data.header(String(name)); },
            headers: function (name) { return data.headers(String(name)); }
        };
        ["subject", "from", "to", "size", "text", "html", "attachments"].forEach(function (key) {
            Object.defineProperty(message, key, { enumerable: true, get: function () {
                if (facts === null) facts = data.messageFacts();
                return facts[key];
            }});
        });
        call.message = message;
        return call;
    };
})(this);
)JS";

qint64 residentBytes()
{
    QFile statm(u"/proc/self/statm"_s);
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

// Interrupts the engine when a call runs past its time or grows the process past its memory
// budget. A thread of its own: the engine's thread is busy running the script.
class Watchdog
{
public:
    enum class Reason { None, Time, Memory };

    explicit Watchdog(QJSEngine *engine)
        : m_engine(engine)
        , m_thread([this] { watch(); })
    { }
    ~Watchdog()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    Watchdog(const Watchdog &) = delete;
    Watchdog &operator=(const Watchdog &) = delete;

    void arm(int timeMs, qint64 memoryBytes)
    {
        {
            const std::lock_guard lock(m_mutex);
            m_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeMs);
            m_memoryLimit = memoryBytes;
            m_baseline = -1; // read by the watching thread, off the caller's path
            m_fired = Reason::None;
            m_armed = true;
        }
        m_wake.notify_one();
    }
    Reason disarm()
    {
        const std::lock_guard lock(m_mutex);
        m_armed = false;
        return m_fired;
    }

private:
    void watch()
    {
        std::unique_lock lock(m_mutex);
        while (!m_stop) {
            if (!m_armed) {
                m_wake.wait(lock, [this] { return m_stop || m_armed; });
                continue;
            }
            if (m_baseline < 0) {
                lock.unlock();
                const qint64 baseline = residentBytes();
                lock.lock();
                m_baseline = baseline;
            }
            m_wake.wait_for(lock, std::chrono::milliseconds(2));
            if (!m_armed || m_stop)
                continue;
            lock.unlock();
            const qint64 resident = residentBytes();
            lock.lock();
            if (!m_armed)
                continue;
            Reason reason = Reason::None;
            if (std::chrono::steady_clock::now() >= m_deadline)
                reason = Reason::Time;
            else if (ResidentSizeIsMeaningful && resident - m_baseline > m_memoryLimit)
                reason = Reason::Memory;
            if (reason != Reason::None) {
                m_fired = reason;
                m_armed = false;
                m_engine->setInterrupted(true);
            }
        }
    }

    QJSEngine *m_engine;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    bool m_armed = false;
    Reason m_fired = Reason::None;
    std::chrono::steady_clock::time_point m_deadline;
    qint64 m_memoryLimit = 0;
    qint64 m_baseline = -1;
    std::thread m_thread; // last: it starts watching once the rest is set
};

QString lineOf(const QJSValue &error)
{
    const int line = error.property(u"lineNumber"_s).toInt();
    return line > 0 ? u"line %1: "_s.arg(line) : QString();
}

std::optional<AnswerPlan::Verdict> verdictFromName(const QString &name)
{
    using V = AnswerPlan::Verdict;
    for (const V verdict :
        {V::Accept, V::Reject, V::Tempfail, V::Discard, V::Quarantine, V::Disconnect}) {
        if (verdictName(verdict) == name)
            return verdict;
    }
    return std::nullopt;
}

std::optional<AnswerPlan::Edit::Kind> editFromName(const QString &name)
{
    using K = AnswerPlan::Edit::Kind;
    static const QHash<QString, K> kinds {{u"addHeader"_s, K::AddHeader},
        {u"setHeader"_s, K::SetHeader}, {u"removeHeader"_s, K::RemoveHeader},
        {u"setSubject"_s, K::SetSubject}, {u"addRecipient"_s, K::AddRecipient},
        {u"removeRecipient"_s, K::RemoveRecipient}, {u"replaceBody"_s, K::ReplaceBody}};
    const auto it = kinds.constFind(name);
    return it == kinds.cend() ? std::nullopt : std::optional(*it);
}

// The helper object a script returned, as an Answer; the reason when it is not one.
std::optional<Answer> answerFrom(const QJSValue &value, QString *why)
{
    if (!value.isObject() || !value.property(u"__hookscopeAnswer"_s).toBool()) {
        *why = u"answer() returned %1: return accept(), reject(…), tempfail(…), discard(), "
               "quarantine(), disconnect() or null"_s.arg(value.toString().left(80));
        return std::nullopt;
    }
    Answer answer;
    answer.kind = Answer::Kind::Plan;
    const auto verdict = verdictFromName(value.property(u"verdict"_s).toString());
    if (!verdict) {
        *why = u"unknown verdict"_s;
        return std::nullopt;
    }
    answer.plan.verdict = *verdict;
    const QJSValue code = value.property(u"code"_s);
    if (!code.isNull()) {
        const int number = code.toInt();
        if (!code.isNumber() || number < 200 || number > 599) {
            *why
                = u"the reply code must be a number from 200 to 599, not %1"_s.arg(code.toString());
            return std::nullopt;
        }
        answer.plan.reply.code = number;
        answer.plan.reply.enhancedCode = value.property(u"enhancedCode"_s).isNull()
            ? QString()
            : value.property(u"enhancedCode"_s).toString();
        answer.plan.reply.message = value.property(u"text"_s).isNull()
            ? verdictReply(*verdict).message
            : value.property(u"text"_s).toString();
    }
    const QJSValue edits = value.property(u"edits"_s);
    const int count = edits.property(u"length"_s).toInt();
    for (int i = 0; i < count; ++i) {
        const QJSValue entry = edits.property(quint32(i));
        const auto kind = editFromName(entry.property(0).toString());
        if (!kind) {
            *why = u"unknown edit"_s;
            return std::nullopt;
        }
        answer.plan.edits.append(
            {*kind, entry.property(1).toString(), entry.property(2).toString()});
    }
    const double delay = value.property(u"delayMs"_s).toNumber();
    if (!(delay >= 0 && delay <= MaxWaitMs)) {
        *why = u"delay(ms) takes 0 to %1 milliseconds"_s.arg(MaxWaitMs);
        return std::nullopt;
    }
    if (delay > 0)
        answer.delay = {Delay::Kind::Fixed, int(delay), 0, 0};
    const QString faultText = value.property(u"faultName"_s).toString();
    if (!faultText.isEmpty()) {
        const auto fault = faultFromName(faultText);
        if (!fault) {
            *why = u"unknown fault \"%1\" (the rules format's names: http-500, http-503, reset …)"_s
                       .arg(faultText);
            return std::nullopt;
        }
        answer.fault = *fault;
    }
    if (value.property(u"held"_s).toBool())
        answer.kind = Answer::Kind::Hold; // the plan stays, as what would have been answered
    return answer;
}

} // namespace

struct ScriptRunner::Private
{
    QJSEngine engine;
    Watchdog watchdog {&engine};
    QHash<QByteArray, QJSValue> functions; // by SHA-1 of the source
    QHash<QString, QJSValue> sessionStates;
    QQueue<QString> sessionOrder;
    int timeBudgetMs = 50;
    qint64 memoryBudgetBytes = 64 * 1024 * 1024;
    QStringList log;

    Private()
    {
        engine.evaluate(QString::fromUtf8(prelude), u"hookscope-prelude.js"_s);
        // log(...) writes into the call's notes; one line per call of it.
        QJSValue logger = engine.evaluate(u"(function (sink) { return function () {"
                                          "  sink.push(Array.prototype.map.call(arguments, String)"
                                          "    .join(' ')); }; })"_s);
        engine.globalObject().setProperty(u"__log"_s, engine.newArray());
        engine.globalObject().setProperty(
            u"log"_s, logger.call({engine.globalObject().property(u"__log"_s)}));
        engine.globalObject().setProperty(u"globalState"_s, engine.newObject());
    }

    // The script's answer function, compiled once per source text; an Error value when it does
    // not compile or defines no answer().
    QJSValue function(const QString &source)
    {
        const QByteArray key = QCryptographicHash::hash(source.toUtf8(), QCryptographicHash::Sha1);
        if (const auto it = functions.constFind(key); it != functions.cend())
            return *it;
        // Wrapped so each script has its own top-level names; on the first line, so that the
        // engine's line numbers are the script's.
        const QJSValue factory = engine.evaluate(u"(function () { "_s + source
                + u"\n;return typeof answer === 'function' ? answer : undefined; })"_s,
            u"rule.js"_s);
        QJSValue answer = factory.isError() ? factory : factory.call();
        if (!answer.isError() && !answer.isCallable())
            answer = engine.newErrorObject(
                QJSValue::TypeError, u"the script defines no function answer(call)"_s);
        if (functions.size() > 1000)
            functions.clear(); // scripts edited over and over: keep the cache bounded
        functions.insert(key, answer);
        return answer;
    }

    QJSValue stateFor(const QString &sessionKey)
    {
        if (sessionKey.isEmpty())
            return engine.newObject();
        if (const auto it = sessionStates.constFind(sessionKey); it != sessionStates.cend())
            return *it;
        QJSValue state = engine.newObject();
        sessionStates.insert(sessionKey, state);
        sessionOrder.enqueue(sessionKey);
        while (sessionOrder.size() > MaxSessionStates)
            sessionStates.remove(sessionOrder.dequeue());
        return state;
    }

    QJSValue callObject(const HookRequest &request, const QString &sessionKey, QObject *data)
    {
        QJSValue call = engine.newObject();
        call.setProperty(u"stage"_s, request.stageName);
        call.setProperty(u"dialect"_s, dialectName(request.dialect));
        call.setProperty(u"session"_s, sessionKey);
        QJSValue client = engine.newObject();
        client.setProperty(u"ip"_s, request.client.ip);
        client.setProperty(u"port"_s, request.client.port);
        client.setProperty(u"ptr"_s, request.client.ptr);
        client.setProperty(u"ehlo"_s, request.client.ehlo);
        call.setProperty(u"client"_s, client);
        if (request.tls.present) {
            QJSValue tls = engine.newObject();
            tls.setProperty(u"version"_s, request.tls.version);
            tls.setProperty(u"cipher"_s, request.tls.cipher);
            tls.setProperty(u"bits"_s, request.tls.cipherBits);
            call.setProperty(u"tls"_s, tls);
        } else {
            call.setProperty(u"tls"_s, QJSValue::NullValue);
        }
        if (request.auth.present) {
            QJSValue auth = engine.newObject();
            auth.setProperty(u"login"_s, request.auth.login);
            auth.setProperty(u"method"_s, request.auth.method);
            call.setProperty(u"auth"_s, auth);
        } else {
            call.setProperty(u"auth"_s, QJSValue::NullValue);
        }
        QJSValue envelope = engine.newObject();
        if (request.envelope.present && !request.envelope.from.isNullSender
            && !request.envelope.from.address.isEmpty())
            envelope.setProperty(u"from"_s, request.envelope.from.address);
        else
            envelope.setProperty(u"from"_s, QJSValue::NullValue);
        const QStringList to = request.envelope.recipients();
        QJSValue recipients = engine.newArray(quint32(to.size()));
        for (int i = 0; i < to.size(); ++i)
            recipients.setProperty(quint32(i), to.at(i));
        envelope.setProperty(u"to"_s, recipients);
        call.setProperty(u"envelope"_s, envelope);
        call.setProperty(u"state"_s, stateFor(sessionKey));
        QJSEngine::setObjectOwnership(data, QJSEngine::CppOwnership);
        return engine.globalObject()
            .property(u"__makeCall"_s)
            .call({call, engine.newQObject(data), request.hasMessage});
    }
};

ScriptRunner::ScriptRunner()
    : d(std::make_unique<Private>())
{ }

ScriptRunner::~ScriptRunner() = default;

std::optional<QString> ScriptRunner::check(const QString &source)
{
    const QJSValue function = d->function(source);
    if (!function.isError())
        return std::nullopt;
    return lineOf(function) + function.toString();
}

ScriptOutcome ScriptRunner::run(
    const QString &source, const HookRequest &request, const QString &sessionKey)
{
    ScriptOutcome outcome;
    QElapsedTimer clock;
    clock.start();
    const QJSValue function = d->function(source);
    auto fail = [&outcome, &clock](const QString &why) {
        outcome.kind = ScriptOutcome::Kind::Failed;
        outcome.problem = {QString(), Severity::Error, u"script: "_s + why, ProblemOrigin::Answer};
        outcome.elapsedUs = clock.nsecsElapsed() / 1000;
        return outcome;
    };
    if (function.isError())
        return fail(lineOf(function) + function.toString());
    Detail::ScriptCallData data(request);
    const QJSValue call = d->callObject(request, sessionKey, &data);
    d->engine.globalObject().property(u"__log"_s).setProperty(u"length"_s, 0);
    d->watchdog.arm(d->timeBudgetMs, d->memoryBudgetBytes);
    const QJSValue result = function.call({call});
    const Watchdog::Reason fired = d->watchdog.disarm();
    d->engine.setInterrupted(false);
    const QJSValue logged = d->engine.globalObject().property(u"__log"_s);
    const int lines = qMin(logged.property(u"length"_s).toInt(), 100);
    for (int i = 0; i < lines; ++i)
        outcome.log << logged.property(quint32(i)).toString().left(1000);
    if (fired == Watchdog::Reason::Time)
        return fail(
            u"answer() ran past its budget of %1 ms and was stopped"_s.arg(d->timeBudgetMs));
    if (fired == Watchdog::Reason::Memory)
        return fail(u"answer() grew the process past its budget of %1 MB and was stopped"_s.arg(
            d->memoryBudgetBytes / (1024 * 1024)));
    // A thrown value of any kind (not only Error objects), and the engine's own errors.
    if (d->engine.hasError()) {
        const QJSValue error = d->engine.catchError();
        return fail(lineOf(error) + error.toString());
    }
    if (result.isError())
        return fail(lineOf(result) + result.toString());
    if (result.isNull() || result.isUndefined()) {
        outcome.kind = ScriptOutcome::Kind::Declined;
        outcome.elapsedUs = clock.nsecsElapsed() / 1000;
        return outcome;
    }
    QString why;
    const auto answer = answerFrom(result, &why);
    if (!answer)
        return fail(why);
    outcome.kind = ScriptOutcome::Kind::Answered;
    outcome.answer = *answer;
    outcome.elapsedUs = clock.nsecsElapsed() / 1000;
    return outcome;
}

void ScriptRunner::resetState()
{
    d->sessionStates.clear();
    d->sessionOrder.clear();
    d->engine.globalObject().setProperty(u"globalState"_s, d->engine.newObject());
}

void ScriptRunner::setBudget(int timeBudgetMs, qint64 memoryBudgetBytes)
{
    d->timeBudgetMs = timeBudgetMs;
    d->memoryBudgetBytes = memoryBudgetBytes;
}

} // namespace Mock
