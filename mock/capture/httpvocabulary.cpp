// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/httpvocabulary.h"

namespace Mock {

QByteArray headerValue(const HttpHeaders &headers, QByteArrayView name)
{
    for (const auto &[headerName, value] : headers) {
        if (QByteArrayView(headerName).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

std::optional<HttpAuth> HttpAuth::parse(const QString &spec, QString *error)
{
    HttpAuth auth;
    if (spec.isEmpty() || spec == QLatin1String("none"))
        return auth;
    if (spec.startsWith(QLatin1String("bearer:")) && spec.size() > 7) {
        auth.scheme = Scheme::Bearer;
        auth.token = spec.mid(7);
        return auth;
    }
    if (spec.startsWith(QLatin1String("basic:"))) {
        const QString rest = spec.mid(6);
        const qsizetype colon = rest.indexOf(QLatin1Char(':'));
        if (colon > 0) {
            auth.scheme = Scheme::Basic;
            auth.user = rest.left(colon);
            auth.password = rest.mid(colon + 1);
            return auth;
        }
    }
    if (error)
        *error = QStringLiteral("auth must be none, bearer:TOKEN or basic:USER:PASS");
    return std::nullopt;
}

QString HttpAuth::spec() const
{
    switch (scheme) {
    case Scheme::None:
        break;
    case Scheme::Bearer:
        return QLatin1String("bearer:") + token;
    case Scheme::Basic:
        return QLatin1String("basic:") + user + QLatin1Char(':') + password;
    }
    return QStringLiteral("none");
}

QByteArray HttpAuth::credentials() const
{
    switch (scheme) {
    case Scheme::None:
        break;
    case Scheme::Bearer:
        return token.toUtf8();
    case Scheme::Basic:
        return (user + QLatin1Char(':') + password).toUtf8().toBase64();
    }
    return {};
}

QByteArray HttpAuth::authorization() const
{
    if (scheme == Scheme::None)
        return {};
    return (scheme == Scheme::Bearer ? "Bearer " : "Basic ") + credentials();
}

QString HttpAuth::description() const
{
    switch (scheme) {
    case Scheme::None:
        break;
    case Scheme::Bearer:
        return QStringLiteral("bearer token");
    case Scheme::Basic:
        return QStringLiteral("basic (%1)").arg(user);
    }
    return QStringLiteral("none");
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return {};
    }
}

} // namespace Mock
