// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/rulebook.h"

#include "mock/mime/mimedecoder.h"
#include "mock/protocol/codec.h"
#include "mock/scanner/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock {

namespace {

QString valueText(const Document &value)
{
    return value.isString() ? value.toString() : QString::fromUtf8(value.toJson());
}

// Only the header block is decoded: a header condition must not cost a full MIME parse of a
// 50 MB message.
QStringList headerValues(const QByteArray &raw, const QString &name)
{
    qsizetype end = raw.indexOf("\r\n\r\n");
    qsizetype separator = 4;
    if (end < 0) {
        end = raw.indexOf("\n\n");
        separator = 2;
    }
    const QByteArray head = end < 0 ? raw : raw.left(end + separator);
    const Mime::MimeMessage message = Mime::MimeDecoder::decode(head);
    QStringList values;
    for (const Mime::Header &header : message.root.headers()) {
        if (QString::fromUtf8(header.name).compare(name, Qt::CaseInsensitive) == 0)
            values.append(header.value);
    }
    return values;
}

QByteArray jsonEscapeForString(const QString &text)
{
    // A JSON string's content: the document encoder knows the rules, so let it write the string
    // and strip the quotes.
    QByteArray quoted = Document::fromString(text).toJson();
    return quoted.mid(1, quoted.size() - 2);
}

} // namespace

QByteArray renderTemplate(const QByteArray &text, const Document &request)
{
    if (!text.contains("{{"))
        return text;
    QByteArray out;
    out.reserve(text.size());
    bool inString = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text.at(i);
        if (c == '{' && i + 1 < text.size() && text.at(i + 1) == '{') {
            const qsizetype close = text.indexOf("}}", i + 2);
            if (close > i) {
                const QString pointer = QString::fromUtf8(text.mid(i + 2, close - i - 2)).trimmed();
                const auto value = request.find(pointer);
                if (inString)
                    out += value ? jsonEscapeForString(valueText(*value)) : QByteArray();
                else
                    out += value ? value->toJson() : QByteArrayLiteral("null");
                i = close + 1;
                continue;
            }
        }
        if (c == '\\' && inString && i + 1 < text.size()) {
            out += c;
            out += text.at(++i);
            continue;
        }
        if (c == '"')
            inString = !inString;
        out += c;
    }
    return out;
}

Rulebook::Rulebook(QObject *parent)
    : QObject(parent)
{ }

void Rulebook::setRules(const QList<Rule> &rules)
{
    m_rules = rules;
    watchScripts();
    Q_EMIT changed();
}

void Rulebook::insertRule(int index, const Rule &rule)
{
    m_rules.insert(qBound(0, index, int(m_rules.size())), rule);
    Q_EMIT changed();
}

void Rulebook::replaceRule(int index, const Rule &rule)
{
    if (index < 0 || index >= m_rules.size())
        return;
    m_rules[index] = rule;
    Q_EMIT changed();
}

void Rulebook::removeRule(int index)
{
    if (index < 0 || index >= m_rules.size())
        return;
    m_rules.removeAt(index);
    Q_EMIT changed();
}

void Rulebook::moveRule(int from, int to)
{
    if (from < 0 || from >= m_rules.size() || to < 0 || to >= m_rules.size() || from == to)
        return;
    m_rules.move(from, to);
    Q_EMIT changed();
}

void Rulebook::resetHits()
{
    for (Rule &rule : m_rules)
        rule.hits = 0;
    if (m_scripts)
        m_scripts->resetState(); // the counters' companion: what scripts counted
    Q_EMIT hitsChanged();
}

Answer Rulebook::defaultAnswer(Stage stage) const
{
    return m_defaults.value(stage, Answer::fromPreset(Preset::Accept));
}

void Rulebook::setDefaultAnswer(Stage stage, const Answer &answer)
{
    m_defaults.insert(stage, answer);
    Q_EMIT changed();
}

void Rulebook::setHeld(Stage stage, bool held)
{
    if (held == m_heldStages.contains(stage))
        return;
    if (held)
        m_heldStages.insert(stage);
    else
        m_heldStages.remove(stage);
    Q_EMIT changed();
}

void Rulebook::setDraftAnswerDialect(Dialect dialect)
{
    m_draftAnswerDialect = dialect == Dialect::Draft02 ? Dialect::Draft02 : Dialect::Draft01;
    Q_EMIT changed();
}

void Rulebook::setHoldTimeoutMs(int ms)
{
    m_holdTimeoutMs = qBound(0, ms, MaxWaitMs);
    Q_EMIT changed();
}

void Rulebook::setMtaTimeoutMs(int ms)
{
    m_mtaTimeoutMs = qBound(0, ms, MaxWaitMs);
    Q_EMIT changed();
}

QString Rulebook::mismatch(const Rule &rule, const HookRequest &request) const
{
    const RuleMatch &when = rule.when;
    if (!when.stages.isEmpty() && !when.stages.contains(request.stage)) {
        QStringList names;
        for (Stage stage : when.stages)
            names << stageName(stage);
        return u"stage %1 is not %2"_s.arg(request.stageName, names.join(u'|'));
    }
    if (when.dialect != Dialect::Unknown && when.dialect != request.dialect)
        return u"dialect %1 is not %2"_s.arg(
            dialectName(request.dialect), dialectName(when.dialect));
    if (!when.pointer.isEmpty()) {
        const auto value = request.document.find(when.pointer);
        if (!value)
            return u"%1 is missing"_s.arg(when.pointer);
        const QString text = valueText(*value);
        if (!when.equals.isEmpty() && text != when.equals)
            return u"%1 is \"%2\", not \"%3\""_s.arg(when.pointer, text.left(80), when.equals);
        if (!when.matches.isEmpty() && !QRegularExpression(when.matches).match(text).hasMatch())
            return u"%1 \"%2\" does not match /%3/"_s.arg(
                when.pointer, text.left(80), when.matches);
    }
    if (!when.fromGlob.isEmpty()) {
        if (!request.envelope.present)
            return u"no envelope sender yet"_s;
        if (!globMatches(when.fromGlob, request.envelope.from.address))
            return u"sender <%1> does not match %2"_s.arg(
                request.envelope.from.address, when.fromGlob);
    }
    if (!when.toGlob.isEmpty()) {
        bool any = false;
        for (const EnvelopeAddress &rcpt : request.envelope.to)
            any = any || globMatches(when.toGlob, rcpt.address);
        if (!any)
            return u"no recipient matches %1"_s.arg(when.toGlob);
    }
    if (!when.headerName.isEmpty()) {
        if (!request.hasMessage)
            return u"no message to look for %1 in"_s.arg(when.headerName);
        bool found = false;
        for (const QString &value : headerValues(request.rawMessage, when.headerName))
            found = found || value.contains(when.headerContains, Qt::CaseInsensitive);
        if (!found)
            return u"no %1 header contains \"%2\""_s.arg(when.headerName, when.headerContains);
    }
    if (when.minSize >= 0 || when.maxSize >= 0) {
        if (!request.hasMessage)
            return u"no message to measure"_s;
        const qint64 size = request.rawMessage.size();
        if ((when.minSize >= 0 && size < when.minSize)
            || (when.maxSize >= 0 && size > when.maxSize))
            return u"message size %1 is outside %2..%3"_s.arg(size).arg(
                when.minSize >= 0 ? QString::number(when.minSize) : QString(),
                when.maxSize >= 0 ? QString::number(when.maxSize) : QString());
    }
    return {};
}

Decision Rulebook::decide(const HookRequest &request, const QString &sessionKey)
{
    Decision decision;
    for (int i = 0; i < m_rules.size(); ++i) {
        Rule &rule = m_rules[i];
        const QString label = rule.name.isEmpty() ? u"rule %1"_s.arg(i + 1) : rule.name;
        if (!rule.enabled) {
            decision.trace << u"%1: disabled"_s.arg(label);
            continue;
        }
        const QString why = mismatch(rule, request);
        if (!why.isEmpty()) {
            decision.trace << u"%1: %2"_s.arg(label, why);
            continue;
        }
        if (rule.when.times > 0 && rule.hits >= rule.when.times) {
            decision.trace << u"%1: already answered %2 time(s)"_s.arg(label).arg(rule.hits);
            continue;
        }
        if (rule.answer.kind == Answer::Kind::Script
            && !runScript(rule, label, request, sessionKey, decision))
            continue;
        ++rule.hits;
        decision.ruleName = label;
        decision.ruleIndex = i;
        if (rule.answer.kind != Answer::Kind::Script) {
            decision.reason = rule.describeConditions();
            decision.answer = rule.answer;
        }
        break;
    }
    if (decision.ruleIndex >= 0)
        Q_EMIT hitsChanged();
    if (decision.ruleIndex < 0) {
        decision.ruleName = u"default"_s;
        decision.reason = u"no rule matched: the default answer for %1"_s.arg(request.stageName);
        decision.answer = defaultAnswer(request.stage);
    }
    decision.suggested = decision.answer;
    if (decision.suggested.kind == Answer::Kind::Hold)
        decision.suggested = defaultAnswer(request.stage);
    if (decision.answer.kind == Answer::Kind::Hold && decision.answer.plan != AnswerPlan()) {
        decision.suggested = decision.answer; // a script held the call: what it would answer
        decision.suggested.kind = Answer::Kind::Plan;
    }
    if (m_heldStages.contains(request.stage) && decision.answer.kind != Answer::Kind::Hold) {
        decision.reason = u"%1 is held (breakpoint); %2 would answer"_s.arg(
            request.stageName, decision.ruleName);
        decision.ruleName = u"hold"_s;
        decision.answer = Answer();
        decision.answer.kind = Answer::Kind::Hold;
    }
    if (decision.suggested.kind == Answer::Kind::Hold)
        decision.suggested = Answer::fromPreset(Preset::Accept);
    return decision;
}

RenderedAnswer Rulebook::render(const Answer &answer, const HookRequest &request) const
{
    RenderedAnswer rendered;
    rendered.httpStatus = answer.httpStatus;
    const Encoding encoding = request.encoding == Encoding::Cbor ? Encoding::Cbor : Encoding::Json;
    const Dialect dialect
        = answerDialectFor(request.dialect == Dialect::Unknown ? Dialect::Draft01 : request.dialect,
            m_draftAnswerDialect);
    if (answer.kind == Answer::Kind::Body) {
        rendered.body = renderTemplate(answer.body, request.document);
        rendered.contentType = answer.contentType;
        if (encoding == Encoding::Cbor && answer.contentType.isEmpty()) {
            const Document document = Document::fromJson(rendered.body);
            if (document.isValid())
                rendered.body = encodeAnswer(document, dialect, Encoding::Cbor);
        }
    } else if (answer.kind == Answer::Kind::Plan) {
        rendered.body = encodePlanAnswer(answer.plan, dialect, encoding, request);
    } else {
        rendered.body
            = encodePlanAnswer(presetPlan(answer.preset, request), dialect, encoding, request);
    }
    if (rendered.contentType.isEmpty())
        rendered.contentType = contentTypeFor(encoding);
    return rendered;
}

qint64 Rulebook::delayMs(const Answer &answer) const
{
    // Rules files are checked when read, but rules also come from the editor and the API: no
    // call waits longer than MaxWaitMs whatever they say.
    const int min = qBound(0, answer.delay.minMs, MaxWaitMs);
    const int max = qBound(min, answer.delay.maxMs, MaxWaitMs);
    switch (answer.delay.kind) {
    case Delay::Kind::None:
        return 0;
    case Delay::Kind::Fixed:
        return qBound(0, answer.delay.ms, MaxWaitMs);
    case Delay::Kind::Random:
        return min + QRandomGenerator::global()->bounded(max - min + 1);
    case Delay::Kind::PastTimeout:
        return qint64(m_mtaTimeoutMs) + 1000;
    }
    return 0;
}

int Rulebook::hangLimitMs() const
{
    // A hung scanner ends once the MTA has surely given up on it: its timeout plus a fifth, for
    // the slack of its own timer, 1 to 5 s (Stalwart: 30 s, so 35 s).
    return m_mtaTimeoutMs + qBound(1000, m_mtaTimeoutMs / 5, 5000);
}

QJsonObject Rulebook::toJson() const
{
    QJsonObject defaults;
    for (Stage stage : inboundStages() + outboundStages()) {
        if (m_defaults.contains(stage))
            defaults.insert(stageName(stage), answerToJson(m_defaults.value(stage)));
    }
    QJsonArray held;
    for (Stage stage : inboundStages() + outboundStages()) {
        if (m_heldStages.contains(stage))
            held.append(stageName(stage));
    }
    QJsonArray rules;
    for (const Rule &rule : m_rules)
        rules.append(ruleToJson(rule));
    return QJsonObject {{u"format"_s, u"hookscope-rules"_s}, {u"version"_s, 1},
        {u"draftAnswerDialect"_s, dialectName(m_draftAnswerDialect)},
        {u"holdTimeoutMs"_s, m_holdTimeoutMs}, {u"mtaTimeoutMs"_s, m_mtaTimeoutMs},
        {u"defaults"_s, defaults}, {u"hold"_s, held}, {u"rules"_s, rules}};
}

bool Rulebook::fromJson(const QJsonObject &json, QString *error)
{
    if (json.value(u"format"_s).toString() != u"hookscope-rules"_s) {
        *error = u"not a Hookscope rules file (\"format\" is not \"hookscope-rules\")"_s;
        return false;
    }
    if (json.value(u"version"_s).toInt() != 1) {
        *error = u"unsupported rules file version %1"_s.arg(json.value(u"version"_s).toInt());
        return false;
    }
    QHash<Stage, Answer> defaults;
    const QJsonObject defaultsJson = json.value(u"defaults"_s).toObject();
    for (auto it = defaultsJson.begin(); it != defaultsJson.end(); ++it) {
        const Stage stage = stageFromName(it.key());
        if (stage == Stage::Unknown) {
            *error = u"defaults: unknown stage \""_s + it.key() + u'"';
            return false;
        }
        const auto answer = answerFromJson(it.value().toObject(), error);
        if (!answer) {
            *error = u"defaults/"_s + it.key() + u": "_s + *error;
            return false;
        }
        if (answer->kind == Answer::Kind::Script) {
            *error
                = u"defaults/"_s + it.key() + u": a script answers a rule, not a stage default"_s;
            return false;
        }
        defaults.insert(stage, *answer);
    }
    QSet<Stage> held;
    for (const QJsonValue &value : json.value(u"hold"_s).toArray()) {
        const Stage stage = stageFromName(value.toString());
        if (stage == Stage::Unknown) {
            *error = u"hold: unknown stage \""_s + value.toString() + u'"';
            return false;
        }
        held.insert(stage);
    }
    QList<Rule> rules;
    const QJsonArray rulesJson = json.value(u"rules"_s).toArray();
    for (qsizetype i = 0; i < rulesJson.size(); ++i) {
        const auto rule = ruleFromJson(rulesJson.at(i).toObject(), error);
        if (!rule) {
            *error = u"rules/%1: "_s.arg(i) + *error;
            return false;
        }
        rules.append(*rule);
    }
    if (!prepareScripts(rules, error))
        return false;
    const auto holdTimeout
        = waitFromJson(json.value(u"holdTimeoutMs"_s), 30000, u"holdTimeoutMs"_s, error);
    if (!holdTimeout)
        return false;
    const auto mtaTimeout
        = waitFromJson(json.value(u"mtaTimeoutMs"_s), 30000, u"mtaTimeoutMs"_s, error);
    if (!mtaTimeout)
        return false;
    const auto draft = dialectFromName(json.value(u"draftAnswerDialect"_s).toString(u"draft-01"_s));
    m_draftAnswerDialect = draft == Dialect::Draft02 ? Dialect::Draft02 : Dialect::Draft01;
    m_holdTimeoutMs = *holdTimeout;
    m_mtaTimeoutMs = *mtaTimeout;
    m_defaults = defaults;
    m_heldStages = held;
    m_rules = rules;
    watchScripts();
    Q_EMIT changed();
    return true;
}

bool Rulebook::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    const QByteArray text = file.readAll();
    QString jsonError;
    if (Document::checkJson(text, &jsonError, DecodeLimits::forFiles())
        != Document::JsonCheck::Passed) {
        *error = u"%1: %2"_s.arg(path, jsonError);
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
    if (!document.isObject()) {
        *error = u"%1 is not a JSON object: %2"_s.arg(path, parseError.errorString());
        return false;
    }
    m_baseDir = QFileInfo(path).absolutePath();
    return fromJson(document.object(), error);
}

bool Rulebook::save(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = u"cannot write %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    // A script file is named relative to the rules file that names it. Saved elsewhere (the
    // window keeps the rulebook in its config folder), the name is made relative to the new
    // place, or absolute where that would climb out of it, so the script is found when the
    // rules are read back.
    QJsonObject json = toJson();
    const QDir target = QFileInfo(path).absoluteDir();
    const auto rebase = [this, &target](QJsonObject answer) {
        const QString name = answer.value(u"scriptFile"_s).toString();
        if (name.isEmpty() || name.startsWith(u':'))
            return answer;
        Answer located;
        located.scriptFile = name;
        const QString absolute = scriptPath(located);
        const QString relative = target.relativeFilePath(absolute);
        answer.insert(u"scriptFile"_s, relative.startsWith(u"../"_s) ? absolute : relative);
        return answer;
    };
    QJsonArray rules = json.value(u"rules"_s).toArray();
    for (QJsonValueRef rule : rules) {
        QJsonObject object = rule.toObject();
        object.insert(u"answer"_s, rebase(object.value(u"answer"_s).toObject()));
        rule = object;
    }
    json.insert(u"rules"_s, rules);
    QJsonObject defaults = json.value(u"defaults"_s).toObject();
    for (auto it = defaults.begin(); it != defaults.end(); ++it)
        it.value() = rebase(it.value().toObject());
    json.insert(u"defaults"_s, defaults);
    file.write(QJsonDocument(json).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        *error = u"cannot write %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace Mock
