// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/hookresponse.h"

#include <array>
#include <utility>

namespace MtaHooks {

namespace {

using Type = StalwartModification::Type;

constexpr std::array<std::pair<Type, const char *>, 8> modificationNames {{
    {Type::ChangeFrom, "changeFrom"},
    {Type::AddRecipient, "addRecipient"},
    {Type::DeleteRecipient, "deleteRecipient"},
    {Type::ReplaceContents, "replaceContents"},
    {Type::AddHeader, "addHeader"},
    {Type::InsertHeader, "insertHeader"},
    {Type::ChangeHeader, "changeHeader"},
    {Type::DeleteHeader, "deleteHeader"},
}};

} // namespace

QString modificationTypeName(StalwartModification::Type type)
{
    for (const auto &[candidate, name] : modificationNames) {
        if (candidate == type)
            return QString::fromLatin1(name);
    }
    return {};
}

std::optional<StalwartModification::Type> modificationTypeFromName(QStringView name)
{
    for (const auto &[candidate, text] : modificationNames) {
        if (name == QLatin1String(text))
            return candidate;
    }
    return std::nullopt;
}

QString patchOpName(PatchOperation::Op op)
{
    switch (op) {
    case PatchOperation::Op::Set:
        return QStringLiteral("set");
    case PatchOperation::Op::Add:
        return QStringLiteral("add");
    case PatchOperation::Op::Delete:
        return QStringLiteral("delete");
    case PatchOperation::Op::Remove:
        return QStringLiteral("remove");
    case PatchOperation::Op::Replace:
        return QStringLiteral("replace");
    case PatchOperation::Op::Move:
        return QStringLiteral("move");
    case PatchOperation::Op::Copy:
        return QStringLiteral("copy");
    case PatchOperation::Op::Test:
        return QStringLiteral("test");
    }
    return {};
}

} // namespace MtaHooks
