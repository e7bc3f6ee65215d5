// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/mtaprobes_p.h"

#include "mock/conform/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;
using MtaHooks::Stage;

namespace Conform {

QString changedSenderAddress()
{
    return u"changed-sender@conform.example"_s;
}

QString addedRecipientAddress()
{
    return u"added-rcpt@conform.example"_s;
}

namespace Detail {

namespace {

Mock::Answer planAnswer(const MtaHooks::AnswerPlan &plan)
{
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Plan;
    answer.plan = plan;
    return answer;
}

// draft-01 §c.2: a patch of the request document. Only the address changes: the ESMTP parameters
// the MTA sent (SIZE, BODY, …) still hold. The endpoint turns it into CBOR for CBOR requests.
Mock::Answer newSenderAnswer()
{
    const QJsonObject set {
        {u"path"_s, u"/envelope/from/address"_s}, {u"value"_s, changedSenderAddress()}};
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Body;
    answer.body
        = QJsonDocument(QJsonObject {{u"set"_s, QJsonArray {set}}}).toJson(QJsonDocument::Compact);
    return answer;
}

Mock::Answer addRecipientAnswer()
{
    MtaHooks::AnswerPlan plan;
    plan.edits << MtaHooks::AnswerPlan::Edit {
        MtaHooks::AnswerPlan::Edit::Kind::AddRecipient, addedRecipientAddress(), {}};
    return planAnswer(plan);
}

Mock::Answer rejectAnswer()
{
    MtaHooks::AnswerPlan plan;
    plan.verdict = MtaHooks::AnswerPlan::Verdict::Reject;
    plan.reply = {550, u"5.7.1"_s, u"Rejected by hookscope conform"_s};
    return planAnswer(plan);
}

struct ProbeSpec
{
    QString ruleName;
    Stage stage;
    bool freshTransaction; // not in the transaction of the probe before
    Mock::Answer (*answer)();
    qint64 MtaObservation::*exchange;
};

const QList<ProbeSpec> &probeSpecs()
{
    static const QList<ProbeSpec> specs {
        {u"conform: new envelope sender"_s, Stage::Mail, false, newSenderAnswer,
            &MtaObservation::senderChangeExchange},
        {u"conform: add a recipient"_s, Stage::Rcpt, false, addRecipientAnswer,
            &MtaObservation::recipientAddExchange},
        {u"conform: reject a recipient"_s, Stage::Rcpt, true, rejectAnswer,
            &MtaObservation::recipientRejectExchange},
        {u"conform: reject the mail"_s, Stage::Mail, true, rejectAnswer,
            &MtaObservation::mailRejectExchange},
    };
    return specs;
}

} // namespace

QList<Mock::Rule> AnswerProbes::rules() const
{
    if (m_next >= probeSpecs().size())
        return {};
    const ProbeSpec &spec = probeSpecs().at(m_next);
    if (spec.freshTransaction && m_lastOpen)
        return {};
    Mock::Rule rule;
    rule.name = spec.ruleName;
    rule.when.stages = {spec.stage};
    rule.when.times = 1;
    rule.answer = spec.answer();
    return {rule};
}

// A call of another SMTP session, or a new transaction (or the data call, the last) of the same:
// not the probe's call again (a retry keeps the request id and the body).
bool AnswerProbes::endsLastTransaction(const Mock::Exchange &exchange) const
{
    const QByteArray id = exchange.requestHeader("X-MTA-Hooks-Request-Id");
    if (!m_lastRequestId.isEmpty() ? id == m_lastRequestId : exchange.requestBody == m_lastBody)
        return false;
    return exchange.sessionKey != m_lastSession || exchange.stage == Stage::Connect
        || exchange.stage == Stage::Ehlo || exchange.stage == Stage::Mail
        || exchange.stage == Stage::Data;
}

void AnswerProbes::see(const Mock::Exchange &exchange, qint64 index, MtaObservation &seen,
    const QStringList &negotiated)
{
    if (m_lastOpen && endsLastTransaction(exchange))
        m_lastOpen = false;
    const QList<ProbeSpec> &specs = probeSpecs();
    if (m_next < specs.size() && exchange.ruleName == specs.at(m_next).ruleName) {
        seen.*(specs.at(m_next).exchange) = index;
        qCDebug(lcConform) << "answered" << exchange.stageName << "with" << exchange.ruleName;
        m_lastOpen = true;
        m_lastSession = exchange.sessionKey;
        m_lastRequestId = exchange.requestHeader("X-MTA-Hooks-Request-Id");
        m_lastBody = exchange.requestBody;
        ++m_next;
    }
    while (m_next < specs.size() && !negotiated.isEmpty()
        && !negotiated.contains(MtaHooks::stageName(specs.at(m_next).stage)))
        ++m_next;
}

bool AnswerProbes::done() const
{
    return m_next >= probeSpecs().size() && !m_lastOpen;
}

} // namespace Detail

} // namespace Conform
