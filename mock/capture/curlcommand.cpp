// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/curlcommand.h"

#include <QStringList>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

// Above this a body is not put on the command line (execve limits one argument to 128 KiB):
// it is piped in as base64 instead.
constexpr qsizetype InlineBodyLimit = 64 * 1024;

QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(u'\'', u"'\\''"_s);
    return u'\'' + quoted + u'\'';
}

bool isPlainText(const QByteArray &body)
{
    for (const char c : body) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t')
            return false;
    }
    return QString::fromUtf8(body).toUtf8() == body; // valid UTF-8
}

// Headers curl sets itself, or that describe the old connection rather than the request.
bool skipHeader(const QByteArray &name)
{
    static const QList<QByteArray> skipped {"host", "content-length", "connection",
        "transfer-encoding", "expect", "keep-alive", "upgrade", "te"};
    return skipped.contains(name.toLower());
}

} // namespace

QString curlCommand(const Exchange &exchange, const QString &baseUrl)
{
    QString base = baseUrl.trimmed();
    if (base.isEmpty()) {
        // Without the endpoint's address, the Host header the client used is the best guess.
        const QByteArray host = exchange.requestHeader("Host");
        base = host.isEmpty() ? u"http://127.0.0.1"_s : u"http://"_s + QString::fromLatin1(host);
    }
    while (base.endsWith(u'/'))
        base.chop(1);
    QString path = QString::fromUtf8(exchange.path);
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    const QString method
        = exchange.method.isEmpty() ? u"POST"_s : QString::fromLatin1(exchange.method);

    QStringList args {u"curl"_s, u"-X"_s, method, shellQuote(base + path)};
    for (const auto &[name, value] : exchange.requestHeaders) {
        if (skipHeader(name))
            continue;
        args << u"-H"_s
             << shellQuote(QString::fromLatin1(name) + u": "_s + QString::fromLatin1(value));
    }
    const QByteArray &body = exchange.requestBody;
    if (body.isEmpty())
        return args.join(u' ');
    if (isPlainText(body) && body.size() <= InlineBodyLimit) {
        args << u"--data-binary"_s << shellQuote(QString::fromUtf8(body));
        return args.join(u' ');
    }
    // Binary bodies (CBOR) cannot sit in a shell argument: they go through base64 on stdin.
    args << u"--data-binary"_s << u"@-"_s;
    return u"echo "_s + QString::fromLatin1(body.toBase64()) + u" | base64 -d | "_s
        + args.join(u' ');
}

} // namespace Mock
