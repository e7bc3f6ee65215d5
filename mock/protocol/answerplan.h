// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/document.h"
#include "mock/protocol/hookrequest.h"

#include <QList>
#include <QString>

namespace MtaHooks {

// A scanner's answer said once, whatever the dialect: a verdict, the SMTP reply, and edits to the
// message and envelope. planAnswer writes it in a request's dialect; the presets and scripted
// answers are plans.
struct AnswerPlan
{
    enum class Verdict { Accept, Reject, Tempfail, Discard, Quarantine, Disconnect };
    struct Edit
    {
        enum class Kind {
            AddHeader, // at the top of the header block
            SetHeader, // the first field of that name, added when there is none
            RemoveHeader, // every field of that name
            SetSubject,
            AddRecipient,
            RemoveRecipient, // outbound: the recipient is dropped without a DSN
            ReplaceBody // everything after the header block
        };
        Kind kind = Kind::AddHeader;
        QString name; // header name, or recipient address
        QString value;

        friend bool operator==(const Edit &, const Edit &) = default;
    };

    Verdict verdict = Verdict::Accept;
    SmtpReply reply; // for reject, tempfail and disconnect; empty: the verdict's default
    QList<Edit> edits;

    friend bool operator==(const AnswerPlan &, const AnswerPlan &) = default;
};

QString verdictName(AnswerPlan::Verdict verdict);
// The reply a verdict sends unless the plan gives one (reject 550 5.7.1 "Rejected by policy",
// tempfail 451 4.7.1, disconnect 421 4.7.0); empty for the others.
SmtpReply verdictReply(AnswerPlan::Verdict verdict);

// The answer document for the request in `dialect` (Stalwart, Draft01 or Draft02). Outbound
// stages have no reply: reject, tempfail, discard and disconnect cancel, quarantine continues.
Document planAnswer(const AnswerPlan &plan, Dialect dialect, const HookRequest &request);

} // namespace MtaHooks

Q_DECLARE_METATYPE(MtaHooks::AnswerPlan)
Q_DECLARE_METATYPE(MtaHooks::AnswerPlan::Edit)
Q_DECLARE_METATYPE(MtaHooks::AnswerPlan::Verdict)
