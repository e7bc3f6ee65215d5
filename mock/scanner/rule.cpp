// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/rule.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <array>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

constexpr std::array<std::pair<Fault, const char *>, 9> faultNames {{
    {Fault::None, "none"},
    {Fault::Http500, "http-500"},
    {Fault::Http503, "http-503"},
    {Fault::Reset, "reset"},
    {Fault::Hang, "hang"},
    {Fault::TruncatedJson, "truncated-json"},
    {Fault::WrongContentType, "wrong-content-type"},
    {Fault::Empty204, "empty-204"},
    {Fault::Oversize, "oversize"},
}};

} // namespace

QString faultName(Fault fault)
{
    for (const auto &[candidate, name] : faultNames) {
        if (candidate == fault)
            return QString::fromLatin1(name);
    }
    return {};
}

std::optional<Fault> faultFromName(QStringView name)
{
    for (const auto &[candidate, text] : faultNames) {
        if (name == QLatin1String(text))
            return candidate;
    }
    return std::nullopt;
}

QList<Fault> allFaults()
{
    QList<Fault> result;
    for (const auto &entry : faultNames)
        result.append(entry.first);
    return result;
}

Answer Answer::fromPreset(MtaHooks::Preset preset)
{
    Answer answer;
    answer.preset = preset;
    return answer;
}

QString Answer::describe() const
{
    QString text;
    switch (kind) {
    case Kind::Preset:
        text = MtaHooks::presetDescription(preset);
        break;
    case Kind::Body:
        text = u"canned body"_s;
        if (httpStatus != 200)
            text += u", HTTP "_s + QString::number(httpStatus);
        break;
    case Kind::Hold:
        text = u"hold for the user"_s;
        break;
    case Kind::Plan:
        text = u"scripted: "_s + MtaHooks::verdictName(plan.verdict);
        if (!plan.edits.isEmpty())
            text += u" with %1 edit(s)"_s.arg(plan.edits.size());
        break;
    case Kind::Script:
        text = scriptFile.isEmpty() ? u"script"_s : u"script "_s + scriptFile;
        break;
    }
    if (fault != Fault::None)
        text = u"fault: "_s + faultName(fault);
    switch (delay.kind) {
    case Delay::Kind::None:
        break;
    case Delay::Kind::Fixed:
        text += QStringLiteral(" after %1 ms").arg(delay.ms);
        break;
    case Delay::Kind::Random:
        text += QStringLiteral(" after %1–%2 ms").arg(delay.minMs).arg(delay.maxMs);
        break;
    case Delay::Kind::PastTimeout:
        text += u" just past the MTA's timeout"_s;
        break;
    }
    return text;
}

QString Rule::describeConditions() const
{
    QStringList parts;
    if (!when.stages.isEmpty()) {
        QStringList names;
        for (MtaHooks::Stage stage : when.stages)
            names << MtaHooks::stageName(stage);
        parts << u"stage "_s + names.join(u'|');
    }
    if (when.dialect != MtaHooks::Dialect::Unknown)
        parts << u"dialect "_s + MtaHooks::dialectName(when.dialect);
    if (!when.pointer.isEmpty() && !when.equals.isEmpty())
        parts << when.pointer + u" = "_s + when.equals;
    if (!when.pointer.isEmpty() && !when.matches.isEmpty())
        parts << when.pointer + u" ~ /"_s + when.matches + u'/';
    if (!when.fromGlob.isEmpty())
        parts << u"from "_s + when.fromGlob;
    if (!when.toGlob.isEmpty())
        parts << u"to "_s + when.toGlob;
    if (!when.headerName.isEmpty())
        parts << when.headerName + u" contains \""_s + when.headerContains + u'"';
    if (when.minSize >= 0 || when.maxSize >= 0)
        parts << QStringLiteral("size %1..%2")
                     .arg(when.minSize >= 0 ? QString::number(when.minSize) : QString(),
                         when.maxSize >= 0 ? QString::number(when.maxSize) : QString());
    if (when.times > 0)
        parts << QStringLiteral("first %1 times").arg(when.times);
    return parts.isEmpty() ? u"always"_s : parts.join(u", "_s);
}

QJsonObject answerToJson(const Answer &answer)
{
    QJsonObject json;
    switch (answer.kind) {
    case Answer::Kind::Preset:
        json.insert(u"preset"_s, MtaHooks::presetName(answer.preset));
        break;
    case Answer::Kind::Body:
        json.insert(u"body"_s, QString::fromUtf8(answer.body));
        break;
    case Answer::Kind::Hold:
        json.insert(u"hold"_s, true);
        break;
    case Answer::Kind::Plan: // a script's answer of the moment: what it was
        json.insert(u"preset"_s, MtaHooks::verdictName(answer.plan.verdict));
        break;
    case Answer::Kind::Script:
        if (answer.scriptFile.isEmpty())
            json.insert(u"script"_s, answer.script);
        else
            json.insert(u"scriptFile"_s, answer.scriptFile);
        break;
    }
    if (!answer.contentType.isEmpty())
        json.insert(u"contentType"_s, QString::fromLatin1(answer.contentType));
    if (answer.httpStatus != 200)
        json.insert(u"status"_s, answer.httpStatus);
    if (answer.fault != Fault::None) {
        json.insert(u"fault"_s, faultName(answer.fault));
        if (answer.fault == Fault::Http503)
            json.insert(u"retryAfter"_s, answer.retryAfterSeconds);
    }
    switch (answer.delay.kind) {
    case Delay::Kind::None:
        break;
    case Delay::Kind::Fixed:
        json.insert(u"delay"_s, QJsonObject {{u"ms"_s, answer.delay.ms}});
        break;
    case Delay::Kind::Random:
        json.insert(u"delay"_s,
            QJsonObject {{u"min"_s, answer.delay.minMs}, {u"max"_s, answer.delay.maxMs}});
        break;
    case Delay::Kind::PastTimeout:
        json.insert(u"delay"_s, QJsonObject {{u"pastTimeout"_s, true}});
        break;
    }
    return json;
}

std::optional<Answer> answerFromJson(const QJsonObject &json, QString *error)
{
    Answer answer;
    if (json.contains(u"preset"_s)) {
        const auto preset = MtaHooks::presetFromName(json.value(u"preset"_s).toString());
        if (!preset) {
            *error = u"unknown preset \""_s + json.value(u"preset"_s).toString() + u'"';
            return std::nullopt;
        }
        answer.preset = *preset;
    } else if (json.contains(u"body"_s)) {
        answer.kind = Answer::Kind::Body;
        answer.body = json.value(u"body"_s).toString().toUtf8();
    } else if (json.value(u"hold"_s).toBool()) {
        answer.kind = Answer::Kind::Hold;
    } else if (json.contains(u"script"_s) || json.contains(u"scriptFile"_s)) {
        // The source of a scriptFile is read, and every script compiled, by the Rulebook.
        answer.kind = Answer::Kind::Script;
        answer.script = json.value(u"script"_s).toString();
        answer.scriptFile = json.value(u"scriptFile"_s).toString();
        if (answer.script.isEmpty() == answer.scriptFile.isEmpty()) {
            *error = u"an answer has either a script or a scriptFile"_s;
            return std::nullopt;
        }
    }
    answer.contentType = json.value(u"contentType"_s).toString().toLatin1();
    answer.httpStatus = json.value(u"status"_s).toInt(200);
    if (answer.httpStatus < 100 || answer.httpStatus > 999) {
        *error = u"status must be an HTTP status code"_s;
        return std::nullopt;
    }
    if (json.contains(u"fault"_s)) {
        const auto fault = faultFromName(json.value(u"fault"_s).toString());
        if (!fault) {
            *error = u"unknown fault \""_s + json.value(u"fault"_s).toString() + u'"';
            return std::nullopt;
        }
        answer.fault = *fault;
        answer.retryAfterSeconds = json.value(u"retryAfter"_s).toInt(1);
    }
    const QJsonObject delay = json.value(u"delay"_s).toObject();
    if (delay.contains(u"ms"_s)) {
        const auto ms = waitFromJson(delay.value(u"ms"_s), 0, u"delay.ms"_s, error);
        if (!ms)
            return std::nullopt;
        answer.delay = {Delay::Kind::Fixed, *ms, 0, 0};
    } else if (delay.contains(u"min"_s) || delay.contains(u"max"_s)) {
        const auto min = waitFromJson(delay.value(u"min"_s), 0, u"delay.min"_s, error);
        const auto max
            = min ? waitFromJson(delay.value(u"max"_s), 0, u"delay.max"_s, error) : std::nullopt;
        if (!min || !max)
            return std::nullopt;
        answer.delay = {Delay::Kind::Random, 0, *min, *max};
        if (answer.delay.maxMs < answer.delay.minMs) {
            *error = u"delay max is below min"_s;
            return std::nullopt;
        }
    } else if (delay.value(u"pastTimeout"_s).toBool()) {
        answer.delay.kind = Delay::Kind::PastTimeout;
    }
    return answer;
}

std::optional<int> waitFromJson(
    const QJsonValue &value, int fallback, const QString &field, QString *error)
{
    if (value.isUndefined())
        return fallback;
    // toInt() would quietly turn 1e12 or 2.5 into the fallback: check the number itself.
    const double ms = value.toDouble(-1.0);
    if (!value.isDouble() || ms < 0 || ms > MaxWaitMs || ms != double(qint64(ms))) {
        *error
            = u"%1 must be a whole number of milliseconds from 0 to %2"_s.arg(field).arg(MaxWaitMs);
        return std::nullopt;
    }
    return int(ms);
}

QJsonObject ruleToJson(const Rule &rule)
{
    QJsonObject when;
    if (!rule.when.stages.isEmpty()) {
        QJsonArray stages;
        for (MtaHooks::Stage stage : rule.when.stages)
            stages.append(MtaHooks::stageName(stage));
        when.insert(u"stages"_s, stages);
    }
    if (rule.when.dialect != MtaHooks::Dialect::Unknown)
        when.insert(u"dialect"_s, MtaHooks::dialectName(rule.when.dialect));
    if (!rule.when.pointer.isEmpty()) {
        QJsonObject pointer {{u"path"_s, rule.when.pointer}};
        if (!rule.when.equals.isEmpty())
            pointer.insert(u"equals"_s, rule.when.equals);
        if (!rule.when.matches.isEmpty())
            pointer.insert(u"matches"_s, rule.when.matches);
        when.insert(u"pointer"_s, pointer);
    }
    if (!rule.when.fromGlob.isEmpty())
        when.insert(u"from"_s, rule.when.fromGlob);
    if (!rule.when.toGlob.isEmpty())
        when.insert(u"to"_s, rule.when.toGlob);
    if (!rule.when.headerName.isEmpty())
        when.insert(u"header"_s,
            QJsonObject {
                {u"name"_s, rule.when.headerName}, {u"contains"_s, rule.when.headerContains}});
    if (rule.when.minSize >= 0 || rule.when.maxSize >= 0) {
        QJsonObject size;
        if (rule.when.minSize >= 0)
            size.insert(u"min"_s, double(rule.when.minSize));
        if (rule.when.maxSize >= 0)
            size.insert(u"max"_s, double(rule.when.maxSize));
        when.insert(u"size"_s, size);
    }
    if (rule.when.times > 0)
        when.insert(u"times"_s, rule.when.times);
    return QJsonObject {{u"name"_s, rule.name}, {u"enabled"_s, rule.enabled}, {u"when"_s, when},
        {u"answer"_s, answerToJson(rule.answer)}};
}

std::optional<Rule> ruleFromJson(const QJsonObject &json, QString *error)
{
    Rule rule;
    rule.name = json.value(u"name"_s).toString();
    rule.enabled = json.value(u"enabled"_s).toBool(true);
    const QJsonObject when = json.value(u"when"_s).toObject();
    for (const QJsonValue &value : when.value(u"stages"_s).toArray()) {
        const MtaHooks::Stage stage = MtaHooks::stageFromName(value.toString());
        if (stage == MtaHooks::Stage::Unknown) {
            *error = u"unknown stage \""_s + value.toString() + u'"';
            return std::nullopt;
        }
        rule.when.stages.append(stage);
    }
    if (when.contains(u"dialect"_s)) {
        const auto dialect = MtaHooks::dialectFromName(when.value(u"dialect"_s).toString());
        if (!dialect) {
            *error = u"unknown dialect \""_s + when.value(u"dialect"_s).toString() + u'"';
            return std::nullopt;
        }
        rule.when.dialect = *dialect;
    }
    const QJsonObject pointer = when.value(u"pointer"_s).toObject();
    if (when.contains(u"pointer"_s) && pointer.value(u"path"_s).toString().isEmpty()) {
        // Without one, "equals"/"matches" would test nothing and be dropped when saved again
        // (found by fuzz_rules).
        *error = u"a pointer condition needs a \"path\" (a JSON Pointer such as /context/stage)"_s;
        return std::nullopt;
    }
    rule.when.pointer = pointer.value(u"path"_s).toString();
    rule.when.equals = pointer.value(u"equals"_s).toString();
    rule.when.matches = pointer.value(u"matches"_s).toString();
    if (!rule.when.matches.isEmpty() && !QRegularExpression(rule.when.matches).isValid()) {
        *error = u"invalid regular expression: "_s + rule.when.matches;
        return std::nullopt;
    }
    if (!rule.when.pointer.isEmpty() && !rule.when.pointer.startsWith(u'/')) {
        *error = u"a JSON Pointer starts with '/': "_s + rule.when.pointer;
        return std::nullopt;
    }
    rule.when.fromGlob = when.value(u"from"_s).toString();
    rule.when.toGlob = when.value(u"to"_s).toString();
    const QJsonObject header = when.value(u"header"_s).toObject();
    if (when.contains(u"header"_s) && header.value(u"name"_s).toString().isEmpty()) {
        // As for a pointer: "contains" alone would test nothing and be dropped when saved again
        // (found by fuzz_rules).
        *error = u"a header condition needs a \"name\" (such as Subject)"_s;
        return std::nullopt;
    }
    rule.when.headerName = header.value(u"name"_s).toString();
    rule.when.headerContains = header.value(u"contains"_s).toString();
    const QJsonObject size = when.value(u"size"_s).toObject();
    rule.when.minSize = qint64(size.value(u"min"_s).toDouble(-1));
    rule.when.maxSize = qint64(size.value(u"max"_s).toDouble(-1));
    rule.when.times = when.value(u"times"_s).toInt(0);
    const auto answer = answerFromJson(json.value(u"answer"_s).toObject(), error);
    if (!answer)
        return std::nullopt;
    rule.answer = *answer;
    return rule;
}

bool globMatches(const QString &glob, const QString &text)
{
    // QRegularExpression::wildcardToRegularExpression is path-aware in Qt 6.4 ('*' stops at '/');
    // addresses and free text want plain shell globbing.
    QString pattern = u"\\A"_s;
    for (QChar c : glob) {
        if (c == u'*')
            pattern += u".*"_s;
        else if (c == u'?')
            pattern += u'.';
        else
            pattern += QRegularExpression::escape(QString(c));
    }
    pattern += u"\\z"_s;
    return QRegularExpression(pattern,
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::DotMatchesEverythingOption)
        .match(text)
        .hasMatch();
}

} // namespace Mock
