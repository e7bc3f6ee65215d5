// SPDX-License-Identifier: GPL-3.0-or-later
// EndpointSettings (declared in hookendpoint.h): reading the listen and auth specs of the command
// line and the preferences, and naming the auth mode.
#include "mock/scanner/hookendpoint.h"

using namespace Qt::StringLiterals;

namespace Mock {

std::optional<EndpointSettings> EndpointSettings::withAuth(
    EndpointSettings settings, const QString &spec, QString *error)
{
    if (spec.isEmpty() || spec == u"none"_s) {
        settings.auth = Auth::None;
        return settings;
    }
    if (spec.startsWith(u"bearer:"_s) && spec.size() > 7) {
        settings.auth = Auth::Bearer;
        settings.token = spec.mid(7);
        return settings;
    }
    if (spec.startsWith(u"basic:"_s)) {
        const QString rest = spec.mid(6);
        const qsizetype colon = rest.indexOf(u':');
        if (colon > 0) {
            settings.auth = Auth::Basic;
            settings.user = rest.left(colon);
            settings.password = rest.mid(colon + 1);
            return settings;
        }
    }
    *error = u"auth must be none, bearer:TOKEN or basic:USER:PASS"_s;
    return std::nullopt;
}

bool EndpointSettings::parseListen(
    const QString &spec, QHostAddress *address, quint16 *port, QString *error)
{
    QString host;
    QString portText = spec;
    const qsizetype colon = spec.lastIndexOf(u':');
    if (colon >= 0) {
        host = spec.left(colon);
        portText = spec.mid(colon + 1);
    }
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint number = portText.toUInt(&ok);
    if (!ok || number > 65535) {
        *error = u"invalid port in \"%1\" (expected ADDRESS:PORT)"_s.arg(spec);
        return false;
    }
    QHostAddress parsed
        = host.isEmpty() ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    if (host == u"localhost"_s)
        parsed = QHostAddress(QHostAddress::LocalHost);
    if (parsed.isNull()) {
        *error = u"invalid address in \"%1\" (expected an IP address)"_s.arg(spec);
        return false;
    }
    *address = parsed;
    *port = quint16(number);
    return true;
}

QString EndpointSettings::authDescription() const
{
    switch (auth) {
    case Auth::None:
        return u"none"_s;
    case Auth::Bearer:
        return u"bearer token"_s;
    case Auth::Basic:
        return u"basic (%1)"_s.arg(user);
    }
    return {};
}

} // namespace Mock
