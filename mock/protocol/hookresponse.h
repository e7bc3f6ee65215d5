// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/document.h"
#include "mock/protocol/types.h"

#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace MtaHooks {

// One entry of Stalwart's "modifications" array.
struct StalwartModification
{
    enum class Type {
        ChangeFrom,
        AddRecipient,
        DeleteRecipient,
        ReplaceContents,
        AddHeader,
        InsertHeader,
        ChangeHeader,
        DeleteHeader
    };
    Type type = Type::AddHeader;
    QString name;
    QString value;
    qint64 index = 0;
    QList<std::pair<QString, std::optional<QString>>> parameters; // null values allowed by Stalwart
    QString pointer; // where it sits in the response ("/modifications/3")
};

QString modificationTypeName(StalwartModification::Type type);
std::optional<StalwartModification::Type> modificationTypeFromName(QStringView name);

// One operation of a draft patch, normalised: draft-01 {set, add, delete} entries and RFC 6902
// operations share this shape.
struct PatchOperation
{
    enum class Op { Set, Add, Delete, Remove, Replace, Move, Copy, Test };
    Op op = Op::Set;
    QString path;
    QString from; // move/copy
    Document value = Document::invalid(); // invalid when the entry has no value
    std::optional<qint64> index; // draft-01 add into an array
    QString pointer; // where it sits in the response ("/set/0", "/2")
};

QString patchOpName(PatchOperation::Op op);

// A scanner's answer, decoded for its dialect. "malformed" means the dialect's rules make the whole
// answer unusable: Stalwart then tempfails (451 4.3.5), the drafts apply nothing.
struct HookResponse
{
    Dialect dialect = Dialect::Unknown;
    Encoding encoding = Encoding::Unknown;
    int httpStatus = 200;
    bool emptyBody = false;
    Document document = Document::invalid();
    bool malformed = false;
    Problems problems;

    // Stalwart
    Action action = Action::None;
    std::optional<int> status;
    std::optional<QString> enhancedStatus;
    std::optional<QString> replyMessage;
    bool disconnect = false;
    QList<StalwartModification> modifications;

    // Drafts, in application order (draft-01: all set, then add, then delete)
    QList<PatchOperation> operations;
};

} // namespace MtaHooks

Q_DECLARE_METATYPE(MtaHooks::HookResponse)
