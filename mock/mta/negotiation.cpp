// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/negotiation_p.h"

#include "mock/mta/requestbuilder.h"
#include "mock/protocol/document.h"

#include <QCborMap>
#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace Mock::Detail {

namespace {

// The top-level properties this MTA fills (reference §b.2): a fetch property outside them is one
// it cannot carry, so it does not ask for it.
const QStringList &propertiesFilled(Direction direction)
{
    static const QStringList inbound {u"stage"_s, u"action"_s, u"timestamp"_s, u"protocol"_s,
        u"queue"_s, u"server"_s, u"client"_s, u"tls"_s, u"auth"_s, u"senderAuth"_s, u"response"_s,
        u"envelope"_s, u"message"_s, u"rawMessage"_s};
    static const QStringList outbound {u"stage"_s, u"action"_s, u"timestamp"_s, u"protocol"_s,
        u"queue"_s, u"server"_s, u"envelope"_s, u"message"_s, u"rawMessage"_s};
    return direction == Direction::Outbound ? outbound : inbound;
}

QStringList pointerTokens(const QString &pointer)
{
    QStringList tokens = pointer.split(u'/');
    tokens.removeFirst(); // before the leading '/'
    for (QString &token : tokens)
        token = unescapePointerToken(token);
    return tokens;
}

// "" is the whole document (RFC 6901); "/" strictly names a member "", but scanners write it
// for the whole document too: either lifts the restriction.
bool namesWholeDocument(const QStringList &pointers)
{
    return pointers.contains(QString()) || pointers.contains(u"/"_s);
}

std::optional<QStringList> stringList(const QJsonValue &value)
{
    if (!value.isArray())
        return std::nullopt;
    QStringList list;
    for (const QJsonValue &entry : value.toArray()) {
        if (entry.isString())
            list.append(entry.toString());
    }
    return list;
}

DirectionTerms offeredIn(const QJsonObject &capabilities, const QString &direction)
{
    DirectionTerms terms;
    const QJsonValue value = capabilities.value(direction);
    if (!value.isObject()) {
        terms.stages = QStringList(); // null: nothing offered in this direction
        return terms;
    }
    const QJsonObject offered = value.toObject();
    terms.stages = stringList(offered.value(u"stages"_s)).value_or(QStringList());
    terms.properties = stringList(offered.value(u"fetchProperties"_s));
    if (terms.properties && namesWholeDocument(*terms.properties))
        terms.properties.reset();
    terms.updateProperties = stringList(offered.value(u"updateProperties"_s));
    if (terms.updateProperties && namesWholeDocument(*terms.updateProperties))
        terms.updateProperties.reset();
    return terms;
}

DirectionTerms askIn(const QStringList &needed, const DirectionTerms &offered, Direction direction)
{
    DirectionTerms asked;
    QStringList stages;
    for (const QString &stage : needed) {
        if (!offered.stages || offered.stages->contains(stage))
            stages.append(stage);
    }
    asked.stages = stages;
    if (offered.properties) {
        QStringList properties;
        for (const QString &pointer : *offered.properties) {
            const QStringList tokens = pointerTokens(pointer);
            if (pointer.startsWith(u'/') && propertiesFilled(direction).contains(tokens.first()))
                properties.append(pointer);
        }
        asked.properties = properties;
    }
    asked.updateProperties = offered.updateProperties;
    return asked;
}

DirectionTerms agreedIn(const DirectionTerms &asked, const QJsonValue &negotiated)
{
    if (negotiated.isUndefined())
        return asked;
    DirectionTerms terms = asked;
    if (!negotiated.isObject()) {
        terms.stages = QStringList();
        return terms;
    }
    const QJsonObject object = negotiated.toObject();
    if (const auto stages = stringList(object.value(u"stages"_s)))
        terms.stages = stages;
    if (const auto properties = stringList(object.value(u"properties"_s)))
        terms.properties = namesWholeDocument(*properties) ? std::nullopt : properties;
    return terms;
}

// An empty token list keeps the whole value; a pointer into an array or a scalar keeps it whole.
QCborValue keepOnly(const QCborValue &value, const QList<QStringList> &paths)
{
    for (const QStringList &path : paths) {
        if (path.isEmpty())
            return value;
    }
    if (!value.isMap())
        return value;
    const QCborMap in = value.toMap();
    QCborMap out;
    for (auto it = in.cbegin(); it != in.cend(); ++it) {
        QList<QStringList> below;
        for (const QStringList &path : paths) {
            if (path.constFirst() == it.key().toString())
                below.append(path.mid(1));
        }
        if (!below.isEmpty())
            out.insert(it.key(), keepOnly(it.value(), below));
    }
    return out;
}

QString listOrAll(const std::optional<QStringList> &list)
{
    if (!list)
        return u"all"_s;
    return list->isEmpty() ? u"none"_s : list->join(u", "_s);
}

} // namespace

bool Negotiation::callsStage(const SessionStage &stage) const
{
    const DirectionTerms &agreed = terms(stageDirection(stage.stage));
    return !agreed.stages || agreed.stages->contains(wireStageName(stage));
}

QString Negotiation::describeStages() const
{
    return u"inbound %1; outbound %2"_s.arg(listOrAll(inbound.stages), listOrAll(outbound.stages));
}

StageNeeds stagesNeeded(const QList<SessionRecording> &sessions)
{
    StageNeeds needs;
    for (const SessionRecording &session : sessions) {
        for (const SessionStage &stage : session.stages) {
            const QString name = wireStageName(stage);
            QStringList &list = stageDirection(stage.stage) == Direction::Outbound ? needs.outbound
                                                                                   : needs.inbound;
            if (!list.contains(name))
                list.append(name);
        }
    }
    return needs;
}

Negotiation offeredBy(const QJsonObject &discovery)
{
    const QJsonValue capabilities = discovery.value(u"capabilities"_s);
    if (!capabilities.isObject())
        return {};
    Negotiation offered;
    offered.inbound = offeredIn(capabilities.toObject(), u"inbound"_s);
    offered.outbound = offeredIn(capabilities.toObject(), u"outbound"_s);
    return offered;
}

Negotiation askFor(const StageNeeds &needs, const Negotiation &offered)
{
    Negotiation asked;
    asked.inbound = askIn(needs.inbound, offered.inbound, Direction::Inbound);
    asked.outbound = askIn(needs.outbound, offered.outbound, Direction::Outbound);
    return asked;
}

QJsonValue subscription(const DirectionTerms &asked)
{
    if (!asked.stages || asked.stages->isEmpty())
        return QJsonValue::Null;
    return QJsonObject {{u"stages"_s, QJsonArray::fromStringList(*asked.stages)},
        {u"properties"_s,
            asked.properties ? QJsonValue(QJsonArray::fromStringList(*asked.properties))
                             : QJsonValue(QJsonValue::Null)}};
}

Negotiation agreed(const Negotiation &asked, const QJsonObject &registrationAnswer)
{
    const QJsonValue negotiated = registrationAnswer.value(u"negotiated"_s);
    if (!negotiated.isObject())
        return asked;
    Negotiation terms;
    terms.inbound = agreedIn(asked.inbound, negotiated.toObject().value(u"inbound"_s));
    terms.outbound = agreedIn(asked.outbound, negotiated.toObject().value(u"outbound"_s));
    // A registration is for at least one stage (reference §b.3): an answer that accepts it
    // (201) but grants none says nothing usable, so what was asked stands.
    if (terms.inbound.stages && terms.inbound.stages->isEmpty() && terms.outbound.stages
        && terms.outbound.stages->isEmpty())
        return asked;
    return terms;
}

bool leavesPropertiesOut(const DirectionTerms &terms, Direction direction)
{
    if (!terms.properties)
        return false;
    const QStringList &filled = propertiesFilled(direction);
    return std::any_of(filled.cbegin(), filled.cend(),
        [&terms](const QString &name) { return !terms.properties->contains(u'/' + name); });
}

QByteArray onlyProperties(const QByteArray &body, Encoding encoding, const QStringList &properties)
{
    QCborValue document;
    if (encoding == Encoding::Cbor) {
        document = QCborValue::fromCbor(body);
    } else {
        const QJsonDocument json = QJsonDocument::fromJson(body);
        if (json.isObject())
            document = QCborValue::fromJsonValue(json.object());
    }
    if (!document.isMap())
        return body;
    QList<QStringList> paths;
    for (const QString &pointer : properties) {
        if (pointer.startsWith(u'/'))
            paths.append(pointerTokens(pointer));
    }
    const QCborValue kept = keepOnly(document, paths);
    if (encoding == Encoding::Cbor)
        return kept.toCbor();
    return QJsonDocument(kept.toJsonValue().toObject()).toJson(QJsonDocument::Compact);
}

} // namespace Mock::Detail
