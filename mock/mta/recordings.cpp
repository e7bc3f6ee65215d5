// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/recordings.h"

#include "mock/capture/harexport.h"
#include "mock/capture/sessionfile.h"
#include "mock/mime/mimedecoder.h"
#include "mock/mta/requestbuilder.h"

#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace Mock {

namespace {

using Kind = RecordingError::Kind;

// What one file gave: its sessions, or why none.
struct FileRead
{
    RecordingFormat format = RecordingFormat::SessionFile;
    QList<SessionRecording> sessions;
    std::optional<RecordingError> error;
};

FileRead failed(const QString &path, RecordingFormat format, Kind kind, const QString &reason)
{
    FileRead read;
    read.format = format;
    read.error = RecordingError {path, kind, reason};
    return read;
}

// Whether the first byte that is not white space opens a JSON object (without copying a large
// file, as trimmed() would).
bool opensJsonObject(const QByteArray &bytes)
{
    for (const char c : bytes) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{';
    }
    return false;
}

FileRead readSessionFile(const QString &path, const QByteArray &bytes)
{
    QString error;
    auto sessions = SessionFile::read(bytes, &error);
    if (!sessions)
        return failed(path, RecordingFormat::SessionFile, Kind::Malformed, error);
    FileRead read;
    read.sessions = std::move(*sessions);
    return read;
}

FileRead readHar(const QString &path, const QByteArray &bytes)
{
    QString error;
    const auto exchanges = exchangesFromHar(bytes, &error);
    if (!exchanges)
        return failed(path, RecordingFormat::Har, Kind::Malformed, error);
    FileRead read;
    read.format = RecordingFormat::Har;
    read.sessions = sessionsFromExchanges(*exchanges);
    return read;
}

FileRead readMessage(const QString &path, const QByteArray &bytes, const RecordingOptions &options)
{
    const MtaHooks::Mime::MimeMessage message = MtaHooks::Mime::MimeDecoder::decode(bytes);
    if (!message.isValid) {
        return failed(path, RecordingFormat::Message, Kind::Malformed,
            u"not a message: it does not open with a header field"_s);
    }
    std::optional<QString> mailFrom = options.mailFrom;
    QStringList recipients = options.recipients;
    if (!mailFrom || recipients.isEmpty()) {
        if (!options.envelopeFromHeaders) {
            return failed(path, RecordingFormat::Message, Kind::NoEnvelope,
                u"a message needs an envelope: a sender and at least one recipient"_s);
        }
        if (!mailFrom)
            mailFrom = message.from.value(0, u"sender@example.org"_s);
        if (recipients.isEmpty())
            recipients
                = message.to.isEmpty() ? QStringList {u"recipient@example.org"_s} : message.to;
    }
    SessionRecording session = sessionFromMessage(bytes, *mailFrom, recipients);
    session.title = QFileInfo(path).fileName();
    FileRead read;
    read.format = RecordingFormat::Message;
    read.sessions.append(std::move(session));
    return read;
}

FileRead readBytes(const QString &path, const QByteArray &bytes, const RecordingOptions &options)
{
    if (options.format) {
        switch (*options.format) {
        case RecordingFormat::SessionFile:
            return readSessionFile(path, bytes);
        case RecordingFormat::Har:
            return readHar(path, bytes);
        case RecordingFormat::Message:
            return readMessage(path, bytes, options);
        }
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"json"_s)
        return readSessionFile(path, bytes);
    if (suffix == u"har"_s)
        return readHar(path, bytes);
    if (suffix == u"eml"_s || !opensJsonObject(bytes))
        return readMessage(path, bytes, options);
    // A JSON object under another name: a session file names its format, HAR has a log.
    FileRead asSessionFile = readSessionFile(path, bytes);
    if (!asSessionFile.error)
        return asSessionFile;
    FileRead asHar = readHar(path, bytes);
    if (!asHar.error)
        return asHar;
    return failed(path, RecordingFormat::SessionFile, Kind::Malformed,
        u"neither a session file (%1) nor HAR (%2)"_s.arg(
            asSessionFile.error->reason, asHar.error->reason));
}

FileRead readFile(const QString &path, const RecordingOptions &options)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return failed(path, RecordingFormat::SessionFile, Kind::Unreadable,
            u"cannot be read (%1)"_s.arg(file.errorString()));
    }
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        return failed(path, RecordingFormat::SessionFile, Kind::Unreadable,
            u"cannot be read (%1)"_s.arg(file.errorString()));
    }
    return readBytes(path, bytes, options);
}

} // namespace

QList<SessionRecording> Recordings::sessionsOf(qsizetype fileIndex) const
{
    if (fileIndex < 0 || fileIndex >= files.size())
        return {};
    const RecordingFile &file = files.at(fileIndex);
    return sessions.mid(file.firstSession, file.sessionCount);
}

Recordings readRecordings(const QStringList &paths, const RecordingOptions &options)
{
    Recordings recordings;
    for (const QString &path : paths) {
        FileRead read = readFile(path, options);
        if (read.error) {
            recordings.errors.append(*read.error);
            continue;
        }
        recordings.files.append(
            {path, read.format, recordings.sessions.size(), read.sessions.size()});
        recordings.sessions += read.sessions;
    }
    return recordings;
}

} // namespace Mock
