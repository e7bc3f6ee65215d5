// SPDX-License-Identifier: GPL-3.0-or-later
// EndpointSettings (declared in hookendpoint.h): reading the listen and auth specs of the command
// line and the preferences, and naming the auth mode.
#include "mock/scanner/hookendpoint.h"

#include <QFile>
#include <QFileDevice>

using namespace Qt::StringLiterals;

namespace Mock {

std::optional<EndpointSettings> EndpointSettings::withAuth(
    EndpointSettings settings, const QString &spec, QString *error)
{
    const std::optional<HttpAuth> auth = HttpAuth::parse(spec, error);
    if (!auth)
        return std::nullopt;
    settings.auth = *auth;
    return settings;
}

std::optional<QString> EndpointSettings::authSpecFromFile(
    const QString &path, QString *error, QString *warning)
{
    // A spec is a line; anything much larger is the wrong file, not worth reading into memory.
    constexpr qint64 largest = 64 * 1024;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the auth file %1: %2"_s.arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray content = file.read(largest + 1);
    if (content.size() > largest) {
        *error = u"the auth file %1 is larger than %2 bytes: not an auth spec"_s.arg(path).arg(
            largest);
        return std::nullopt;
    }
    while (content.endsWith('\n') || content.endsWith('\r'))
        content.chop(1);
    if (content.isEmpty()) {
        *error = u"the auth file %1 is empty"_s.arg(path);
        return std::nullopt;
    }
    if (content.contains('\n') || content.contains('\r')) {
        *error = u"the auth file %1 holds more than one line"_s.arg(path);
        return std::nullopt;
    }
    warning->clear();
    if (file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther))
        *warning = u"the auth file %1 may be read by other users (chmod 600 it)"_s.arg(path);
    return QString::fromUtf8(content);
}

std::optional<QString> EndpointSettings::authSpecFromEnvironment(
    const QString &name, QString *error)
{
    if (name.isEmpty() || name.contains(u'=')) {
        *error = u"invalid environment variable name \"%1\""_s.arg(name);
        return std::nullopt;
    }
    const QString value = qEnvironmentVariable(qPrintable(name));
    if (value.isEmpty()) {
        *error = u"the environment variable %1 is not set or empty"_s.arg(name);
        return std::nullopt;
    }
    return value;
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
    return auth.description();
}

} // namespace Mock
