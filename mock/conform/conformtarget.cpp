// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/conform/conformtarget.h"

#include "mock/capture/httpvocabulary.h"

using namespace Qt::StringLiterals;

namespace Conform {

std::optional<Target> makeTarget(const TargetSpec &spec, TargetError *error)
{
    const auto refuse = [error](TargetError::Field field, const QString &message) {
        if (error)
            *error = {field, message};
        return std::nullopt;
    };
    Target target;
    target.url = QUrl(spec.url.trimmed());
    if (!target.url.isValid() || target.url.host().isEmpty()
        || (target.url.scheme() != u"http"_s && target.url.scheme() != u"https"_s))
        return refuse(TargetError::Field::Url, u"needs an http:// or https:// URL"_s);
    const auto dialect = MtaHooks::dialectFromName(spec.dialect.trimmed());
    if (!dialect || *dialect == MtaHooks::Dialect::Unknown)
        return refuse(TargetError::Field::Dialect, u"unknown dialect: "_s + spec.dialect);
    target.dialect = *dialect;
    const QString auth = spec.auth.trimmed().isEmpty() ? u"none"_s : spec.auth.trimmed();
    QString authError;
    if (!Mock::HttpAuth::parse(auth, &authError))
        return refuse(TargetError::Field::Auth,
            authError.isEmpty() ? u"must be none, bearer:TOKEN or basic:USER:PASS"_s : authError);
    target.auth = auth;
    return target;
}

} // namespace Conform
