// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/hookclient.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QPointer>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QTimerEvent>

using namespace Qt::StringLiterals;

namespace Mock {

struct PendingCall
{
    HttpCall call;
    std::function<void(const HttpResult &)> done;
    HttpResult result;
    quint64 generation = 0;
    QByteArray wire; // the request as written, the same bytes on every attempt
};

namespace {

// A connection idle longer than this is not reused: the server may be about to close it, and a
// request written into a closing connection would fail through no fault of the scanner.
constexpr qint64 MaxIdleMs = 2000;

QString connectionKey(const QUrl &url)
{
    return url.scheme() + u"://"_s + url.host() + u':'
        + QString::number(url.port(url.scheme() == u"https"_s ? 443 : 80));
}

QByteArray hostHeader(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    const int port = url.port(-1);
    if (port >= 0 && port != (url.scheme() == u"https"_s ? 443 : 80))
        host += ':' + QByteArray::number(port);
    return host;
}

bool hasBody(const QByteArray &method)
{
    return method == "POST" || method == "PUT" || method == "PATCH";
}

} // namespace

// One keep-alive connection and the answer being read on it.
class HttpConnection final : public QObject
{
public:
    enum class Phase {
        Idle,
        Status,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailers,
        UntilClose
    };

    HttpConnection(HookClient *client, const QUrl &url, bool allowInvalidCertificates)
        : QObject(client)
        , m_client(client)
        , m_key(connectionKey(url))
    {
        const bool tls = url.scheme() == u"https"_s;
        const int port = url.port(tls ? 443 : 80);
        if (tls) {
            auto *ssl = new QSslSocket(this);
            if (allowInvalidCertificates)
                ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
            QObject::connect(ssl, &QSslSocket::sslErrors, this,
                [this, ssl, allowInvalidCertificates](const QList<QSslError> &errors) {
                    if (allowInvalidCertificates) {
                        ssl->ignoreSslErrors();
                        return;
                    }
                    QStringList texts;
                    for (const QSslError &error : errors)
                        texts << error.errorString();
                    m_tlsError = u"TLS: "_s + texts.join(u"; "_s);
                });
            m_socket = ssl;
        } else {
            m_socket = new QTcpSocket(this);
        }
        QObject::connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        QObject::connect(
            m_socket, &QTcpSocket::disconnected, this, [this] { onClosed(QString()); });
        QObject::connect(m_socket, &QAbstractSocket::errorOccurred, this,
            [this](QAbstractSocket::SocketError) { onClosed(m_socket->errorString()); });
        QObject::connect(m_socket, &QAbstractSocket::connected, this,
            [this] { m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); });
        if (tls)
            static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(url.host(), quint16(port));
        else
            m_socket->connectToHost(url.host(), quint16(port));
    }

    const QString &key() const { return m_key; }
    bool isReusable() const
    {
        return m_phase == Phase::Idle && m_socket->state() == QAbstractSocket::ConnectedState
            && m_socket->bytesAvailable() == 0 && m_idle.isValid() && m_idle.elapsed() < MaxIdleMs;
    }

    void start(const std::shared_ptr<PendingCall> &pending)
    {
        m_pending = pending;
        m_phase = Phase::Status;
        m_buffer.resize(0);
        m_position = 0;
        m_status = 0;
        m_headers.clear();
        m_body.clear();
        m_keepAlive = true;
        m_chunked = false;
        m_hasLength = false;
        m_remaining = 0;
        m_tlsError.clear();
        m_headOnly = pending->call.method == "HEAD";
        m_timer.start(qMax(1, pending->call.timeoutMs), Qt::PreciseTimer, this);
        m_clock.start();
        m_socket->write(pending->wire);
    }

    // Abandons the call in flight (cancel): no callback.
    void abandon()
    {
        m_pending.reset();
        m_timer.stop();
        m_phase = Phase::Idle;
        m_socket->abort();
    }

protected:
    void timerEvent(QTimerEvent *event) override
    {
        if (event->timerId() != m_timer.timerId())
            return;
        m_timer.stop();
        if (m_pending)
            fail(u"timed out after %1 ms"_s.arg(m_pending->call.timeoutMs));
    }

private:
    void onReadyRead()
    {
        if (!m_pending) {
            m_socket->readAll(); // nothing asked: a server talking out of turn
            m_keepAlive = false;
            return;
        }
        // Straight into the connection's buffer, which keeps its capacity from call to call.
        const qint64 available = m_socket->bytesAvailable();
        if (available <= 0)
            return;
        const qsizetype old = m_buffer.size();
        m_buffer.resize(old + available);
        const qint64 got = m_socket->read(m_buffer.data() + old, available);
        m_buffer.resize(old + qMax<qint64>(0, got));
        parse();
    }

    void onClosed(const QString &why)
    {
        if (!m_pending) {
            m_phase = Phase::Idle;
            m_keepAlive = false;
            return;
        }
        if (m_phase == Phase::UntilClose) { // the answer ends with the connection
            m_keepAlive = false;
            complete();
            return;
        }
        QString error = !m_tlsError.isEmpty() ? m_tlsError : why;
        if (error.isEmpty() || m_socket->error() == QAbstractSocket::RemoteHostClosedError)
            error = m_status == 0 ? u"the connection was closed before an answer came"_s
                                  : u"the connection was closed in the middle of the answer"_s;
        fail(error);
    }

    bool takeLine(QByteArray *line)
    {
        const qsizetype end = m_buffer.indexOf('\n', m_position);
        if (end < 0)
            return false;
        qsizetype length = end - m_position;
        if (length > 0 && m_buffer.at(end - 1) == '\r')
            --length;
        *line = m_buffer.mid(m_position, length);
        m_position = end + 1;
        return true;
    }

    void parse()
    {
        QByteArray line;
        for (;;) {
            switch (m_phase) {
            case Phase::Idle:
                return;
            case Phase::Status: {
                if (!takeLine(&line))
                    return compact();
                if (!line.startsWith("HTTP/1.") || line.size() < 12) {
                    return fail(u"not an HTTP/1.x answer: \"%1\""_s.arg(
                        QString::fromLatin1(line.left(40))));
                }
                bool ok = false;
                m_status = line.mid(9, 3).toInt(&ok);
                if (!ok || m_status < 100)
                    return fail(u"bad HTTP status line: \"%1\""_s.arg(QString::fromLatin1(line)));
                m_keepAlive = line.startsWith("HTTP/1.1");
                m_headers.clear();
                m_phase = Phase::Headers;
                break;
            }
            case Phase::Headers: {
                if (!takeLine(&line))
                    return compact();
                if (!line.isEmpty()) {
                    const qsizetype colon = line.indexOf(':');
                    if (colon > 0) {
                        const QByteArray name = line.left(colon).trimmed();
                        const QByteArray value = line.mid(colon + 1).trimmed();
                        if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
                            const QByteArray token = value.toLower();
                            if (token.contains("close"))
                                m_keepAlive = false;
                            else if (token.contains("keep-alive"))
                                m_keepAlive = true;
                        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
                            m_chunked = value.toLower().contains("chunked");
                        } else if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
                            bool ok = false;
                            m_remaining = value.toLongLong(&ok);
                            if (!ok || m_remaining < 0)
                                return fail(
                                    u"bad Content-Length \"%1\""_s.arg(QString::fromLatin1(value)));
                            m_hasLength = true;
                        }
                        m_headers.append({name, value});
                    }
                    break;
                }
                if (m_status < 200) { // 1xx: an interim answer, the real one follows
                    m_phase = Phase::Status;
                    m_hasLength = false;
                    m_chunked = false;
                    break;
                }
                if (m_headOnly || m_status == 204 || m_status == 304)
                    return complete();
                if (m_chunked) {
                    m_phase = Phase::ChunkSize;
                } else if (m_hasLength) {
                    if (m_remaining > m_pending->call.maxResponseBytes)
                        return tooLarge();
                    if (m_remaining == 0)
                        return complete();
                    m_body.reserve(m_remaining);
                    m_phase = Phase::Body;
                } else {
                    m_keepAlive = false;
                    m_phase = Phase::UntilClose;
                }
                break;
            }
            case Phase::Body: {
                const qsizetype available = m_buffer.size() - m_position;
                const qsizetype take = qMin<qint64>(available, m_remaining);
                m_body.append(m_buffer.constData() + m_position, take);
                m_position += take;
                m_remaining -= take;
                if (m_remaining == 0)
                    return complete();
                return compact();
            }
            case Phase::ChunkSize: {
                if (!takeLine(&line))
                    return compact();
                const qsizetype semicolon = line.indexOf(';');
                bool ok = false;
                m_remaining
                    = (semicolon >= 0 ? line.left(semicolon) : line).trimmed().toLongLong(&ok, 16);
                if (!ok || m_remaining < 0)
                    return fail(u"bad chunk size \"%1\""_s.arg(QString::fromLatin1(line)));
                if (m_body.size() + m_remaining > m_pending->call.maxResponseBytes)
                    return tooLarge();
                m_phase = m_remaining == 0 ? Phase::Trailers : Phase::ChunkData;
                break;
            }
            case Phase::ChunkData: {
                const qsizetype available = m_buffer.size() - m_position;
                const qsizetype take = qMin<qint64>(available, m_remaining);
                m_body.append(m_buffer.constData() + m_position, take);
                m_position += take;
                m_remaining -= take;
                if (m_remaining > 0)
                    return compact();
                m_phase = Phase::ChunkEnd;
                break;
            }
            case Phase::ChunkEnd:
                if (!takeLine(&line))
                    return compact();
                m_phase = Phase::ChunkSize;
                break;
            case Phase::Trailers:
                if (!takeLine(&line))
                    return compact();
                if (line.isEmpty())
                    return complete();
                break;
            case Phase::UntilClose:
                m_body.append(m_buffer.constData() + m_position, m_buffer.size() - m_position);
                m_position = m_buffer.size();
                if (m_body.size() > m_pending->call.maxResponseBytes)
                    return tooLarge();
                return compact();
            }
        }
    }

    void compact()
    {
        if (m_position > 0) {
            m_buffer.remove(0, m_position);
            m_position = 0;
        }
    }

    void tooLarge()
    {
        fail(u"the answer is larger than %1 bytes"_s.arg(m_pending->call.maxResponseBytes), false);
    }

    void complete()
    {
        m_timer.stop();
        // Bytes beyond the answer mean the server and we disagree about framing: start afresh.
        const bool reusable = m_keepAlive && m_position == m_buffer.size()
            && m_socket->state() == QAbstractSocket::ConnectedState;
        m_buffer.resize(0);
        m_position = 0;
        m_phase = Phase::Idle;
        const std::shared_ptr<PendingCall> pending = std::exchange(m_pending, {});
        HttpResult &result = pending->result;
        result.latencyUs = m_clock.nsecsElapsed() / 1000;
        result.status = m_status;
        result.headers = std::exchange(m_headers, {});
        result.body = std::exchange(m_body, {});
        result.error.clear();
        if (reusable)
            m_idle.start();
        else
            m_socket->abort();
        m_client->attemptDone(this, pending, reusable);
    }

    void fail(const QString &error, bool retryable = true)
    {
        m_timer.stop();
        m_phase = Phase::Idle;
        const std::shared_ptr<PendingCall> pending = std::exchange(m_pending, {});
        if (!pending)
            return;
        HttpResult &result = pending->result;
        result.latencyUs = m_clock.nsecsElapsed() / 1000;
        result.status = 0;
        result.headers = std::exchange(m_headers, {});
        result.body.clear();
        m_body.clear();
        result.error = error;
        if (!retryable)
            pending->call.maxRetries = 0;
        m_socket->abort(); // may re-enter onClosed: m_pending is already gone
        m_client->attemptDone(this, pending, false);
    }

    HookClient *m_client;
    QString m_key;
    QTcpSocket *m_socket = nullptr;
    std::shared_ptr<PendingCall> m_pending;
    QBasicTimer m_timer;
    QElapsedTimer m_clock;
    QElapsedTimer m_idle;
    Phase m_phase = Phase::Idle;
    QByteArray m_buffer;
    qsizetype m_position = 0;
    int m_status = 0;
    HttpHeaders m_headers;
    QByteArray m_body;
    qint64 m_remaining = 0;
    bool m_hasLength = false;
    bool m_chunked = false;
    bool m_keepAlive = true;
    bool m_headOnly = false;
    QString m_tlsError;
};

QByteArray HttpResult::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

HookClient::HookClient(QObject *parent)
    : QObject(parent)
{ }

HookClient::~HookClient()
{
    cancel();
}

QByteArray HookClient::authorizationFor(const QString &spec)
{
    if (spec.startsWith(u"bearer:"_s))
        return "Bearer " + spec.mid(7).toUtf8();
    if (spec.startsWith(u"basic:"_s))
        return "Basic " + spec.mid(6).toUtf8().toBase64();
    return {};
}

void HookClient::send(const HttpCall &call, std::function<void(const HttpResult &)> done)
{
    auto pending = std::make_shared<PendingCall>();
    pending->call = call;
    pending->done = std::move(done);
    pending->generation = m_generation;
    // The request's bytes once: every attempt writes the same (and the same request id).
    const QUrl &url = call.url;
    QByteArray target
        = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (target.isEmpty() || !target.startsWith('/'))
        target.prepend('/');
    QByteArray &wire = pending->wire;
    wire.reserve(256 + call.body.size());
    wire += call.method;
    wire += ' ';
    wire += target;
    wire += " HTTP/1.1\r\nHost: ";
    wire += hostHeader(url);
    wire += "\r\nUser-Agent: Hookscope/" HOOKSCOPE_VERSION " (mock MTA)\r\n";
    if (!m_authorization.isEmpty()) {
        wire += "Authorization: ";
        wire += m_authorization;
        wire += "\r\n";
    }
    for (const auto &[name, value] : std::as_const(call.headers)) {
        wire += name;
        wire += ": ";
        wire += value;
        wire += "\r\n";
    }
    if (hasBody(call.method) || !call.body.isEmpty()) {
        wire += "Content-Length: ";
        wire += QByteArray::number(call.body.size());
        wire += "\r\n";
    }
    wire += "\r\n";
    wire += call.body;
    attempt(pending);
}

void HookClient::cancel()
{
    ++m_generation;
    const QList<HttpConnection *> connections = m_busy + m_idle;
    m_busy.clear();
    m_idle.clear();
    for (HttpConnection *connection : connections) {
        connection->abandon();
        connection->deleteLater();
    }
}

HttpConnection *HookClient::connectionFor(const QUrl &url)
{
    const QString key = connectionKey(url);
    for (qsizetype i = m_idle.size() - 1; i >= 0; --i) {
        HttpConnection *connection = m_idle.at(i);
        if (connection->key() != key)
            continue;
        m_idle.removeAt(i);
        if (connection->isReusable())
            return connection;
        connection->abandon();
        connection->deleteLater();
    }
    return new HttpConnection(this, url, m_allowInvalidCertificates);
}

void HookClient::attempt(const std::shared_ptr<PendingCall> &pending)
{
    if (pending->generation != m_generation)
        return;
    ++pending->result.attempts;
    HttpConnection *connection = connectionFor(pending->call.url);
    m_busy.append(connection);
    connection->start(pending);
}

void HookClient::attemptDone(
    HttpConnection *connection, const std::shared_ptr<PendingCall> &pending, bool reusable)
{
    m_busy.removeOne(connection);
    if (reusable) {
        m_idle.append(connection);
    } else {
        connection->deleteLater();
    }
    if (pending->generation != m_generation)
        return;
    const HttpResult &result = pending->result;
    // 5xx, timeouts and network errors; of the 4xx only 429, whose Retry-After the drafts
    // honour (reference §d.2).
    const bool retryable = result.status == 0 || result.status >= 500 || result.status == 429;
    const int retriesUsed = result.attempts - 1;
    if (!retryable || retriesUsed >= pending->call.maxRetries) {
        // The callback may start the next call on this client (and reuse this connection).
        pending->done(result);
        return;
    }
    qint64 delay = qMin<qint64>(100LL << qMin(retriesUsed, 16), 5000)
        + QRandomGenerator::global()->bounded(101);
    bool ok = false;
    const int retryAfter = result.header("Retry-After").trimmed().toInt(&ok);
    if (ok && retryAfter >= 0)
        delay = qMin<qint64>(qint64(retryAfter) * 1000, 5000);
    QTimer::singleShot(int(delay), this, [this, pending] { attempt(pending); });
}

} // namespace Mock
