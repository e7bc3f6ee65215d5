// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/sessionrecording.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace Mock {

// What a file given as a recording holds.
enum class RecordingFormat {
    SessionFile, // Hookscope's session file (docs/session-format.md)
    Har, // HTTP Archive 1.2 of hook calls, ours or another tool's: regrouped into sessions
    Message, // a raw RFC 5322 message (.eml): one session, connect to data, around it
};

struct RecordingOptions
{
    // Every file is read as this, whatever its name and contents (empty: as readRecordings says).
    std::optional<RecordingFormat> format;

    // The envelope of every message read, which becomes a session (sessionFromMessage): connect,
    // ehlo, mail, one rcpt per recipient, data. An empty mailFrom is the null sender (<>).
    std::optional<QString> mailFrom;
    QStringList recipients;
    // What is not given above comes from the message's From and To headers (sender@example.org
    // and recipient@example.org when it has none). Otherwise a message without a sender and a
    // recipient given is an error (RecordingError::Kind::NoEnvelope).
    bool envelopeFromHeaders = false;
};

// A file that gave no sessions, and why.
struct RecordingError
{
    enum class Kind {
        Unreadable, // cannot be opened or read
        Malformed, // not a session file, HAR or message this build reads (limits included)
        NoEnvelope, // a message, but no envelope was given for it
    };
    QString path;
    Kind kind = Kind::Malformed;
    QString reason; // without the path

    QString text() const { return path + QStringLiteral(": ") + reason; } // "path: reason"
};

// A file that was read.
struct RecordingFile
{
    QString path;
    RecordingFormat format = RecordingFormat::SessionFile;
    qsizetype firstSession = 0; // its sessions in Recordings::sessions
    qsizetype sessionCount = 0;
};

struct Recordings
{
    QList<SessionRecording> sessions; // every readable file's, in the order of the paths
    QList<RecordingFile> files; // the files read, in order
    QList<RecordingError> errors; // one per file that could not be read, in order

    // The sessions of one file read (files.at(index)).
    QList<SessionRecording> sessionsOf(qsizetype fileIndex) const;
};

// The one reader of recordings: session files, HAR captures and raw messages, each file on its
// own (a file that cannot be read is reported in `errors`; the others are still read). The
// suffix decides (.json a session file, .har HAR, .eml a message); a file with another suffix is
// a session file or HAR when it holds a JSON object, else a message. JSON passes the protocol's
// file limits (MtaHooks::DecodeLimits::forFiles, RFC 8259 only) before Qt's parser sees it; a
// message must open with a header (Mime::MimeDecoder). Paths may name Qt resources (":/…").
Recordings readRecordings(const QStringList &paths, const RecordingOptions &options = {});

} // namespace Mock
