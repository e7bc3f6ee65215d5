// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/scanner/requestidledger_p.h"

#include <QCryptographicHash>

namespace Mock {

namespace {

qint64 sizeOf(const RequestIdLedger::Answer &answer)
{
    qint64 size = answer.body.size() + answer.contentType.size();
    for (const auto &[name, value] : answer.headers)
        size += name.size() + value.size();
    return size;
}

} // namespace

RequestIdLedger::RequestIdLedger(int maxIds, qint64 maxAnswerBytes)
    : m_maxIds(maxIds)
    , m_maxAnswerBytes(maxAnswerBytes)
{ }

QByteArray RequestIdLedger::bodyDigest(const QByteArray &body)
{
    // SHA-1 is enough: it tells a retry from a reuse of the id, nothing rests on it against an
    // adversary, and it is about twice as fast as SHA-256 on a 50 MB data stage.
    return QCryptographicHash::hash(body, QCryptographicHash::Sha1);
}

RequestIdLedger::Sighting RequestIdLedger::see(const QByteArray &id, const QByteArray &digest)
{
    Sighting sighting;
    auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        m_entries.insert(id, Entry {digest, 1, std::nullopt});
        m_order.enqueue(id);
        evict();
        return sighting;
    }
    sighting.before = it->seen;
    it->seen += 1;
    sighting.conflict = it->digest != digest;
    if (!sighting.conflict)
        sighting.answer = it->answer;
    return sighting;
}

void RequestIdLedger::answered(const QByteArray &id, const QByteArray &digest, const Answer &answer)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end() || it->digest != digest || it->answer)
        return; // forgotten meanwhile, another body's, or a racing retry answered first
    const qint64 size = sizeOf(answer);
    if (size > m_maxAnswerBytes / 4)
        return; // one huge answer must not push out all the others
    it->answer = answer;
    m_answerBytes += size;
    evict();
}

void RequestIdLedger::evict()
{
    while (
        !m_order.isEmpty() && (m_entries.size() > m_maxIds || m_answerBytes > m_maxAnswerBytes)) {
        const auto it = m_entries.constFind(m_order.dequeue());
        if (it == m_entries.cend())
            continue;
        if (it->answer)
            m_answerBytes -= sizeOf(*it->answer);
        m_entries.erase(it);
    }
}

} // namespace Mock
