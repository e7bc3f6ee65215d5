// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/httpvocabulary.h"

#include <QByteArray>
#include <QHash>
#include <QQueue>

#include <optional>

namespace Mock {

// The draft request ids the endpoint has seen (protocol reference §d.2: the same value on every
// retry of one logical call, and the scanner SHOULD deduplicate): how often each came, a digest
// of the body it came with (a different body under a used id is a conflict), and the answer
// given, for answering a retry alike. Bounded in ids and in the bytes of answers kept: the
// oldest go first; retries come within seconds.
class RequestIdLedger
{
public:
    struct Answer
    {
        int status = 200;
        QByteArray contentType;
        QByteArray body;
        HttpHeaders headers;
    };
    struct Sighting
    {
        int before = 0; // times the id came before this call
        bool conflict = false; // it came before with another body
        std::optional<Answer> answer; // what the first call with this body was answered
    };

    explicit RequestIdLedger(int maxIds = 100000, qint64 maxAnswerBytes = 64 * 1024 * 1024);

    // A call carrying `id` with a body whose digest is `digest` (bodyDigest) arrived.
    Sighting see(const QByteArray &id, const QByteArray &digest);
    // The call with `id` and `digest` was answered; kept unless another body owns the id.
    void answered(const QByteArray &id, const QByteArray &digest, const Answer &answer);
    qsizetype size() const { return m_entries.size(); }
    qint64 answerBytes() const { return m_answerBytes; }

    static QByteArray bodyDigest(const QByteArray &body);

private:
    struct Entry
    {
        QByteArray digest;
        int seen = 0;
        std::optional<Answer> answer;
    };
    void evict();

    QHash<QByteArray, Entry> m_entries;
    QQueue<QByteArray> m_order; // ids, oldest first
    int m_maxIds;
    qint64 m_maxAnswerBytes;
    qint64 m_answerBytes = 0;
};

} // namespace Mock
