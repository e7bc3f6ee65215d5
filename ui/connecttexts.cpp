// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/connecttexts.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace ConnectTexts {

namespace {

using Scheme = Mock::HttpAuth::Scheme;

QString tomlString(const QString &value)
{
    QString escaped = value;
    escaped.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s);
    return u'"' + escaped + u'"';
}

QString tomlList(const QStringList &values)
{
    QStringList quoted;
    for (const QString &value : values)
        quoted.append(tomlString(value));
    return u'[' + quoted.join(u", "_s) + u']';
}

QString shellQuote(const QString &value)
{
    QString quoted = value;
    quoted.replace(u'\'', u"'\\''"_s);
    return u'\'' + quoted + u'\'';
}

// Stalwart's durations: "30s", or milliseconds when the timeout is not whole seconds.
QString duration(int ms)
{
    return ms % 1000 == 0 ? u"%1s"_s.arg(ms / 1000) : u"%1ms"_s.arg(ms);
}

QString baseUrl(const ConnectInfo &info)
{
    return info.baseUrls.value(0, u"http://127.0.0.1:8025"_s);
}

QStringList strings(const QJsonValue &value)
{
    QStringList result;
    for (const QJsonValue &item : value.toArray())
        result.append(item.toString());
    return result;
}

// Words on lines of at most `width` characters, each after `indent`.
QStringList wrapped(const QStringList &words, const QString &indent, qsizetype width = 52)
{
    QStringList lines;
    QString line;
    for (const QString &word : words) {
        if (!line.isEmpty() && indent.size() + line.size() + 1 + word.size() > width) {
            lines << indent + line;
            line.clear();
        }
        line += (line.isEmpty() ? QString() : u" "_s) + word;
    }
    if (!line.isEmpty())
        lines << indent + line;
    return lines;
}

// What the user has to change by hand, in lines short enough for a narrow details pane.
QStringList cautions(const ConnectInfo &info)
{
    QStringList lines;
    if (!info.listening)
        lines << u"Hookscope is not listening: start it (○ Stopped in the"_s
              << u"toolbar) before the MTA calls."_s;
    if (info.loopbackOnly)
        lines << u"The endpoint listens on loopback only: for an MTA on"_s
              << u"another machine, change Settings › Listen address."_s;
    if (info.clientCertificates)
        lines << u"The endpoint asks for a client certificate (mutual TLS):"_s
              << u"the MTA must present one its CA signed."_s;
    return lines;
}

} // namespace

QStringList stalwartStages()
{
    return {u"connect"_s, u"ehlo"_s, u"mail"_s, u"rcpt"_s, u"data"_s};
}

QString hookUrl(const ConnectInfo &info)
{
    return baseUrl(info) + hookPath();
}

QString secretText(const Mock::HttpAuth &auth, bool reveal)
{
    switch (auth.scheme) {
    case Scheme::Bearer:
        return reveal ? auth.token : u"<your token>"_s;
    case Scheme::Basic:
        return reveal ? auth.password : u"<your password>"_s;
    case Scheme::None:
        break;
    }
    return {};
}

QString stalwartToml(const ConnectInfo &info, const QStringList &stages, bool reveal)
{
    QStringList lines {u"# Stalwart 0.8 – 0.15, config.toml: Hookscope as an MTA hook."_s};
    for (const QString &caution : cautions(info))
        lines << u"# "_s + caution;
    lines << u"[session.hook.\"hookscope\"]"_s << u"enable = true"_s
          << u"url = "_s + tomlString(hookUrl(info)) << u"stages = "_s + tomlList(stages)
          << u"timeout = "_s + tomlString(duration(info.timeoutMs));
    if (info.tls)
        lines << u"# true when Hookscope's certificate is self-signed"_s;
    lines << u"allow-invalid-certs = false"_s
          << u"# false: mail goes on while Hookscope is down (true: 451)"_s
          << u"options.tempfail-on-error = false"_s << u"options.max-response-size = 52428800"_s;
    const QString secret = secretText(info.auth, reveal);
    if (info.auth.scheme == Scheme::Basic) {
        lines << u"auth.username = "_s + tomlString(info.auth.user)
              << u"auth.secret = "_s + tomlString(secret);
    } else if (info.auth.scheme == Scheme::Bearer) {
        // 0.8 – 0.15 know only Basic credentials: a Bearer token goes as an extra header.
        lines << u"headers = "_s + tomlList({u"Authorization: Bearer "_s + secret});
    }
    return lines.join(u'\n') + u'\n';
}

QString stalwartMtaHook(const ConnectInfo &info, const QStringList &stages, bool reveal)
{
    QStringList lines {u"Stalwart 0.16 and later, in its WebUI: an MtaHook object,"_s,
        u"Settings › MTA › Filters › MTA Hooks › Create."_s};
    for (const QString &caution : cautions(info))
        lines << caution;
    lines << QString();
    const auto field = [&lines](const QString &name, const QString &value) {
        lines << name.leftJustified(19) + value;
    };
    field(u"enable"_s, u"true"_s);
    field(u"url"_s, hookUrl(info));
    field(u"stages"_s, stages.join(u", "_s));
    field(u"timeout"_s, duration(info.timeoutMs));
    field(u"tempFailOnError"_s, u"false   (true: 451 while Hookscope is down)"_s);
    field(u"allowInvalidCerts"_s,
        info.tls ? u"false   (true: Hookscope's certificate is self-signed)"_s : u"false"_s);
    field(u"maxResponseSize"_s, u"52428800"_s);
    const QString secret = secretText(info.auth, reveal);
    switch (info.auth.scheme) {
    case Scheme::Bearer:
        field(u"httpAuth"_s, u"Bearer, bearerToken: "_s + secret);
        break;
    case Scheme::Basic:
        field(u"httpAuth"_s, u"Basic, username: %1, secret: %2"_s.arg(info.auth.user, secret));
        break;
    case Scheme::None:
        field(u"httpAuth"_s, u"Unauthenticated"_s);
        break;
    }
    return lines.join(u'\n') + u'\n';
}

QString draftSetup(const ConnectInfo &info, bool reveal)
{
    const QString base = baseUrl(info);
    const QJsonObject endpoints = info.discovery.value(u"endpoints"_s).toObject();
    const QJsonObject capabilities = info.discovery.value(u"capabilities"_s).toObject();
    const QJsonObject limits = info.discovery.value(u"limits"_s).toObject();
    QStringList lines;
    for (const QString &caution : cautions(info))
        lines << u"! "_s + caution;
    lines << u"Discovery (GET, no credentials):"_s << u"  %1/.well-known/mta-hooks"_s.arg(base)
          << u"Registration (POST):"_s
          << u"  %1%2"_s.arg(base, endpoints.value(u"registration"_s).toString())
          << u"Hook calls then go to the hookEndpoint it returns."_s;
    if (info.auth.scheme == Scheme::Bearer)
        lines << u"Every other request carries:"_s
              << u"  Authorization: Bearer "_s + secretText(info.auth, reveal);
    else if (info.auth.scheme == Scheme::Basic)
        lines << u"Every other request carries:"_s
              << u"  Authorization: Basic (user %1, password %2)"_s.arg(
                     info.auth.user, secretText(info.auth, reveal));
    lines << QString() << u"A registration negotiates the stages it asks for, of:"_s;
    QStringList requested;
    for (const QString &direction : {u"inbound"_s, u"outbound"_s}) {
        const QJsonObject offered = capabilities.value(direction).toObject();
        if (offered.isEmpty())
            continue;
        const QStringList stages = strings(offered.value(u"stages"_s));
        lines << u"  %1 stages:  %2"_s.arg(direction, stages.join(u", "_s)) << u"    actions:"_s
              << wrapped(strings(offered.value(u"actions"_s)), u"      "_s)
              << u"    properties sent:"_s
              << wrapped(strings(offered.value(u"fetchProperties"_s)), u"      "_s)
              << u"    properties it may change:"_s
              << wrapped(strings(offered.value(u"updateProperties"_s)), u"      "_s);
        QStringList quoted;
        for (const QString &stage : stages)
            quoted << u'"' + stage + u'"';
        requested << u"  \"%1\": {\"stages\": [%2], \"properties\": null},"_s.arg(
            direction, quoted.join(u", "_s));
    }
    lines << u"  serialization:  "_s
            + strings(info.discovery.value(u"serialization"_s)).join(u" or "_s)
          << u"  limits: messages up to %1 bytes, %2 registrations, timeoutMs %3"_s
                 .arg(qint64(limits.value(u"maxMessageSize"_s).toDouble()))
                 .arg(limits.value(u"maxRegistrations"_s).toInt())
                 .arg(limits.value(u"timeoutMs"_s).toInt())
          << QString() << u"A registration request that asks for everything:"_s << u"{"_s
          << u"  \"name\": \"mta.example.org\","_s << u"  \"timeoutMs\": %1,"_s.arg(info.timeoutMs)
          << u"  \"serialization\": \"json\","_s;
    lines << requested;
    lines << u"  \"expiresAt\": null"_s << u"}"_s;
    return lines.join(u'\n') + u'\n';
}

QString curlCommand(const ConnectInfo &info, bool reveal)
{
    QStringList parts {u"curl -sS -X POST "_s + shellQuote(hookUrl(info)),
        u"-H 'Content-Type: application/json'"_s};
    if (info.auth.scheme == Scheme::Bearer)
        parts << u"-H "_s + shellQuote(u"Authorization: Bearer "_s + secretText(info.auth, reveal));
    else if (info.auth.scheme == Scheme::Basic)
        parts << u"-u "_s + shellQuote(info.auth.user + u':' + secretText(info.auth, reveal));
    // Resource paths (":/…", the demo's) mean nothing to curl.
    if (info.tls && !info.certificateFile.isEmpty() && !info.certificateFile.startsWith(u':'))
        parts << u"--cacert "_s + shellQuote(info.certificateFile);
    if (info.clientCertificates)
        parts << u"--cert '<your client certificate>.pem' --key '<its key>.pem'"_s;
    parts << u"--data-binary @- <<'EOF'"_s;
    return parts.join(u" \\\n  "_s) + u'\n' + QString::fromUtf8(info.sampleBody) + u"\nEOF\n"_s;
}

} // namespace ConnectTexts
