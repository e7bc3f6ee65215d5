// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The draft-01 scanner double (draft01_scanner.py, python3 standard library, written from the
// protocol reference) as a test drives it: started with a configuration, it listens on
// 127.0.0.1 and logs every request it receives, with its own monotonic timestamps.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace ScannerDouble {

class Scanner
{
public:
    ~Scanner() { stop(); }

    // False (with why()) when python3 is missing or the double did not come up.
    bool start(const QJsonObject &config)
    {
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty() || !m_dir.isValid()) {
            m_why = QStringLiteral("python3 is not installed");
            return false;
        }
        QFile file(m_dir.filePath(QStringLiteral("config.json")));
        if (!file.open(QIODevice::WriteOnly))
            return false;
        file.write(QJsonDocument(config).toJson());
        file.close();
        m_process.setProgram(python);
        m_process.setArguments({QStringLiteral(HOOKSCOPE_SCANNER_DOUBLE), file.fileName(),
            m_dir.filePath(QStringLiteral("log.jsonl"))});
        m_process.start();
        // The first line says the port; a bounded wait, not a sleep.
        while (!m_process.canReadLine()) {
            if (!m_process.waitForReadyRead(20000)) {
                m_why = QStringLiteral("the scanner double did not start: ")
                    + QString::fromUtf8(m_process.readAllStandardError());
                return false;
            }
        }
        const QByteArray line = m_process.readLine().trimmed();
        if (!line.startsWith("PORT "))
            return false;
        m_port = line.mid(5).toInt();
        return m_port > 0;
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }

    QString why() const { return m_why; }
    QString url(const QString &path = {}) const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_port) + path;
    }

    // Every request received so far, in order.
    QList<QJsonObject> requests() const
    {
        QList<QJsonObject> all;
        QFile log(m_dir.filePath(QStringLiteral("log.jsonl")));
        if (!log.open(QIODevice::ReadOnly))
            return all;
        for (const QByteArray &line : log.readAll().split('\n')) {
            if (!line.trimmed().isEmpty())
                all.append(QJsonDocument::fromJson(line).object());
        }
        return all;
    }

    QList<QJsonObject> requestsTo(const QString &pathPrefix, const QString &method = {}) const
    {
        QList<QJsonObject> matching;
        for (const QJsonObject &request : requests()) {
            if (request.value(QStringLiteral("path")).toString().startsWith(pathPrefix)
                && (method.isEmpty() || request.value(QStringLiteral("method")) == method))
                matching.append(request);
        }
        return matching;
    }

    QList<QJsonObject> hookCalls() const
    {
        QList<QJsonObject> calls = requestsTo(QStringLiteral("/hooks/"), QStringLiteral("POST"));
        calls += requestsTo(QStringLiteral("/provisioned"), QStringLiteral("POST"));
        return calls;
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_why;
    int m_port = 0;
};

// An answer of the double: {"status", "body", "headers"}.
inline QJsonObject answer(
    int status, const QJsonValue &body = QJsonValue::Undefined, const QJsonObject &headers = {})
{
    QJsonObject object {{QStringLiteral("status"), status}};
    if (!body.isUndefined())
        object.insert(QStringLiteral("body"), body);
    if (!headers.isEmpty())
        object.insert(QStringLiteral("headers"), headers);
    return object;
}

} // namespace ScannerDouble
