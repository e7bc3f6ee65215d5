// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/patchengine_p.h"

using namespace Qt::StringLiterals;

namespace MtaHooks {

namespace {

QString parentOf(const QString &path)
{
    return path.left(path.lastIndexOf(u'/'));
}

// One RFC 6902 operation through nlohmann/json; false (and *error) when it cannot apply.
bool applyOne(Json &document, const Json &operation, QString *error)
{
    try {
        document = document.patch(Json::array({operation}));
        return true;
    } catch (const Json::exception &e) {
        *error = QString::fromUtf8(e.what());
        return false;
    }
}

Json rfc6902(const char *op, const QString &path, const Json *value = nullptr)
{
    Json operation = {{"op", op}, {"path", path.toStdString()}};
    if (value)
        operation["value"] = *value;
    return operation;
}

} // namespace

PatchResult applyDraft01Patch(const Json &request, const QList<PatchOperation> &operations)
{
    PatchResult result;
    result.document = request;
    for (const PatchOperation &operation : operations) {
        const Json value = operation.value.isValid() ? jsonOf(operation.value) : Json();
        const Json *target = findPointer(result.document, operation.path);
        const Json *parent = findPointer(result.document, parentOf(operation.path));
        Json step;
        switch (operation.op) {
        case PatchOperation::Op::Set:
            // §f.7: set on a missing object member creates it (the draft says "replaces the
            // value at the path"; creating is what the rspamd bridge and the examples imply).
            // A missing array element is not created: that would be an insert, which is add's.
            if (!target && parent && parent->is_array()) {
                result.problems.append({operation.pointer, Severity::Warning,
                    QStringLiteral("set %1: there is no such array element to replace (use add "
                                   "to insert): skipped, the rest applies")
                        .arg(operation.path)});
                continue;
            }
            step = rfc6902(target ? "replace" : "add", operation.path, &value);
            break;
        case PatchOperation::Op::Add:
            if (target && target->is_array()) {
                const QString path = operation.index
                    ? pointerAppend(operation.path, qsizetype(*operation.index))
                    : operation.path + u"/-"_s;
                step = rfc6902("add", path, &value);
            } else if (target) {
                result.problems.append({operation.pointer, Severity::Warning,
                    QStringLiteral("add on %1, which is not an array: the member is replaced")
                        .arg(operation.path)});
                step = rfc6902("add", operation.path, &value);
            } else if (parent && parent->is_object()) {
                step = rfc6902("add", operation.path, &value);
            } else {
                step = rfc6902("add", operation.path, &value); // fails below with the reason
            }
            break;
        case PatchOperation::Op::Delete:
            step = rfc6902("remove", operation.path);
            break;
        default:
            result.problems.append({operation.pointer, Severity::Warning,
                QStringLiteral("%1 is not a draft-01 operation: skipped")
                    .arg(patchOpName(operation.op))});
            continue;
        }
        QString error;
        if (!applyOne(result.document, step, &error)) {
            result.problems.append({operation.pointer, Severity::Warning,
                QStringLiteral("%1 %2 cannot be applied (%3): skipped, the rest applies")
                    .arg(patchOpName(operation.op), operation.path, error)});
        }
    }
    return result;
}

PatchResult applyDraft02Patch(const Json &request, const Json &patch)
{
    PatchResult result;
    result.document = request;
    if (!patch.is_array())
        return result;
    // Operation by operation so the failing one can be named; on failure the original is kept,
    // which is RFC 6902's atomicity.
    Json working = request;
    for (std::size_t i = 0; i < patch.size(); ++i) {
        QString error;
        if (!applyOne(working, patch[i], &error)) {
            result.failed = true;
            result.problems.append({pointerAppend(QString(), qsizetype(i)), Severity::Error,
                QStringLiteral("operation %1 fails (%2): RFC 6902 voids the whole patch, "
                               "nothing is applied")
                    .arg(i)
                    .arg(error)});
            return result;
        }
    }
    result.document = std::move(working);
    return result;
}

} // namespace MtaHooks
