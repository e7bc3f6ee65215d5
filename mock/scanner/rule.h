// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/answerplan.h"
#include "mock/protocol/presets.h"
#include "mock/protocol/types.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace Mock {

// The longest wait a rules file may ask for (a delay, the hold timeout, the MTA's timeout): one
// hour. Longer would only park connections: no MTA waits that long for a hook.
inline constexpr int MaxWaitMs = 3600 * 1000;

// How long to wait before answering.
struct Delay
{
    enum class Kind { None, Fixed, Random, PastTimeout };
    Kind kind = Kind::None;
    int ms = 0; // Fixed
    int minMs = 0; // Random
    int maxMs = 0;

    friend bool operator==(const Delay &, const Delay &) = default;
};

// Something other than a proper answer, to see how an MTA copes.
enum class Fault {
    None,
    Http500, // 500 with an INTERNAL_ERROR body
    Http503, // 503 with Retry-After
    Reset, // the TCP connection is reset
    Hang, // never answer; the MTA's timeout decides
    TruncatedJson, // the answer cut in half (Content-Length matches the cut)
    WrongContentType, // the answer as text/plain
    Empty204, // 204 with no body
    Oversize // a body larger than the MTA's response limit
};
QString faultName(Fault fault);
std::optional<Fault> faultFromName(QStringView name);
QList<Fault> allFaults();

// What a rule (or a stage default) answers.
struct Answer
{
    // Plan: what a script answered (never read from a file). Script: a rule's JavaScript, run by
    // the Rulebook when the rule's conditions hold; it answers with a Plan, a Hold, or nothing.
    enum class Kind { Preset, Body, Hold, Plan, Script };
    Kind kind = Kind::Preset;
    MtaHooks::Preset preset = MtaHooks::Preset::Accept;
    MtaHooks::AnswerPlan plan;
    QString script; // the source (read from scriptFile when that is set)
    QString scriptFile; // as the rules file names it, relative to the file
    // Kind::Body: a template, "{{/json/pointer}}" is replaced by the request's value there.
    QByteArray body;
    QByteArray contentType; // empty: the request's encoding decides
    int httpStatus = 200;
    Fault fault = Fault::None;
    int retryAfterSeconds = 1; // Http503
    Delay delay;

    static Answer fromPreset(MtaHooks::Preset preset);
    QString describe() const;
    friend bool operator==(const Answer &, const Answer &) = default;
};

// When a rule applies. Every condition given must hold.
struct RuleMatch
{
    QList<MtaHooks::Stage> stages; // empty: any stage
    MtaHooks::Dialect dialect = MtaHooks::Dialect::Unknown; // Unknown: any
    QString pointer; // JSON Pointer into the request
    QString equals; // its value (as text) equals this, when set
    QString matches; // or matches this regular expression, when set
    QString fromGlob; // envelope sender
    QString toGlob; // any recipient
    QString headerName;
    QString headerContains; // case-insensitive substring of that message header
    qint64 minSize = -1; // message size range in bytes, -1: open
    qint64 maxSize = -1;
    int times = 0; // answer only the first N matching calls; 0: always

    friend bool operator==(const RuleMatch &, const RuleMatch &) = default;
};

struct Rule
{
    QString name;
    bool enabled = true;
    RuleMatch when;
    Answer answer;
    int hits = 0; // runtime counter for "times"; not saved

    QString describeConditions() const;
    friend bool operator==(const Rule &, const Rule &) = default;
};

// The rules file format (docs/rules-format.md).
QJsonObject answerToJson(const Answer &answer);
std::optional<Answer> answerFromJson(const QJsonObject &json, QString *error);
QJsonObject ruleToJson(const Rule &rule);
std::optional<Rule> ruleFromJson(const QJsonObject &json, QString *error);

// A wait in a rules file: absent gives `fallback`; anything but a whole number from 0 to
// MaxWaitMs is an error naming `field`.
std::optional<int> waitFromJson(
    const QJsonValue &value, int fallback, const QString &field, QString *error);

bool globMatches(const QString &glob, const QString &text); // * and ?, case-insensitive

} // namespace Mock

Q_DECLARE_METATYPE(Mock::Rule)
Q_DECLARE_METATYPE(Mock::Answer)
Q_DECLARE_METATYPE(Mock::Delay)
Q_DECLARE_METATYPE(Mock::Fault)
