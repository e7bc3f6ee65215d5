// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The few HTTP words every layer above the protocol speaks: header lists as they were on the wire,
// looking a header up, and status reason phrases. One place, so that the endpoint, the HAR export
// and the window say the same.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace Mock {

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>; // wire order, original case

// The value of the first header of that name, compared case-insensitively; empty when none.
QByteArray headerValue(const HttpHeaders &headers, QByteArrayView name);

// The credentials an endpoint asks for and an MTA sends, from the spec every command line,
// setting and replay target uses: "none", "bearer:TOKEN" or "basic:USER:PASS".
struct HttpAuth
{
    enum class Scheme { None, Bearer, Basic };
    Scheme scheme = Scheme::None;
    QString token; // Bearer
    QString user; // Basic (not empty)
    QString password; // Basic

    // An empty spec is "none". Anything else malformed: nullopt, with *error saying the shape.
    static std::optional<HttpAuth> parse(const QString &spec, QString *error = nullptr);
    QString spec() const; // parse()'s input again
    // What follows the scheme in an Authorization header: the token, or base64 of USER:PASS.
    QByteArray credentials() const;
    QByteArray authorization() const; // the whole header value; empty for None
    QString description() const; // "none", "bearer token", "basic (USER)": never the secret

    friend bool operator==(const HttpAuth &, const HttpAuth &) = default;
};

// RFC 9110's reason phrase for the status codes Hookscope sends or meets; empty for others (an
// empty reason phrase is valid on the wire, RFC 9112 §4).
QByteArray reasonPhrase(int status);

} // namespace Mock
