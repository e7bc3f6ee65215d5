// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"
#include "mock/protocol/types.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

#include <optional>

namespace Mock::Detail {

// What a draft-01 MTA and the scanner agreed on for one direction (protocol reference §b.3).
// nullopt everywhere: nothing is known (no discovery document), so nothing is restricted.
struct DirectionTerms
{
    std::optional<QStringList> stages; // the stages called
    std::optional<QStringList> properties; // fetch properties (JSON pointers) the requests carry
    std::optional<QStringList> updateProperties; // what an answer may modify (prefixes)
};

struct Negotiation
{
    DirectionTerms inbound;
    DirectionTerms outbound;

    const DirectionTerms &terms(MtaHooks::Direction direction) const
    {
        return direction == MtaHooks::Direction::Outbound ? outbound : inbound;
    }
    // Whether a stage of the sessions is called at all.
    bool callsStage(const SessionStage &stage) const;
    // "inbound data; outbound none" for messages.
    QString describeStages() const;
};

// The stage names the sessions call, per direction, in first-seen order.
struct StageNeeds
{
    QStringList inbound;
    QStringList outbound;
};
StageNeeds stagesNeeded(const QList<SessionRecording> &sessions);

// What a discovery document's capabilities offer: nullopt where the document says nothing (no
// capabilities at all), an empty list for a direction it offers nothing in (null).
Negotiation offeredBy(const QJsonObject &discovery);

// What the MTA asks for: the stages it needs that are offered, the fetch properties offered that
// it can fill (null: everything available, when discovery said nothing).
Negotiation askFor(const StageNeeds &needs, const Negotiation &offered);

// The registration request's "inbound" or "outbound" member for these terms (null: none).
QJsonValue subscription(const DirectionTerms &asked);

// What the registration answer's "negotiated" settled (the scanner's word); what was asked where
// it says nothing. Update properties come from discovery: the answer carries none.
Negotiation agreed(const Negotiation &asked, const QJsonObject &registrationAnswer);

// Whether the terms leave out any property this MTA fills in that direction (else the bodies
// are sent as built, without decoding them again).
bool leavesPropertiesOut(const DirectionTerms &terms, MtaHooks::Direction direction);

// A request body with only these properties (JSON pointers: a whole member, or a part of one
// down through objects), in its encoding. The body unchanged when it cannot be read.
QByteArray onlyProperties(
    const QByteArray &body, MtaHooks::Encoding encoding, const QStringList &properties);

} // namespace Mock::Detail
