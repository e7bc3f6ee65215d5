// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/callcounts.h"

#include "mock/capture/capturestore.h"
#include "mock/capture/querymatcher.h"

#include <algorithm>

using namespace Qt::StringLiterals;
using Mock::CaptureTerm;

namespace {

// In the order a call is counted under: a call the filter's "action:" finds under two names
// (a reject with a 4xx reply is also a tempfail) counts under the first, as the timeline shows it.
const QStringList &countedVerdicts()
{
    static const QStringList verdicts {u"held"_s, u"error"_s, u"tempfail"_s, u"reject"_s,
        u"quarantine"_s, u"discard"_s, u"disconnect"_s, u"cancel"_s, u"continue"_s, u"accept"_s};
    return verdicts;
}

// The order the status bar lists them in.
const QStringList &shownVerdicts()
{
    static const QStringList verdicts {u"accept"_s, u"reject"_s, u"tempfail"_s, u"discard"_s,
        u"quarantine"_s, u"disconnect"_s, u"continue"_s, u"cancel"_s, u"held"_s, u"error"_s};
    return verdicts;
}

} // namespace

void CallCounts::recount(Mock::CaptureStore &store, const Mock::CaptureQuery &base)
{
    m_base = base;
    m_hooks = base;
    m_hooks.terms.append({CaptureTerm::Field::Kind, u"hook"_s, false});
    m_verdicts.clear();
    Mock::CaptureQuery rest = m_hooks; // the hook calls not counted yet
    for (const QString &verdict : countedVerdicts()) {
        Mock::CaptureQuery query = rest;
        query.terms.append({CaptureTerm::Field::Action, verdict, false});
        m_verdicts.append({verdict, query, store.count(query)});
        rest.terms.append({CaptureTerm::Field::Action, verdict, true});
    }
    m_kinds.clear();
    for (const Mock::ExchangeKind kind : {Mock::ExchangeKind::Discovery,
             Mock::ExchangeKind::Registration, Mock::ExchangeKind::Status,
             Mock::ExchangeKind::Deregistration, Mock::ExchangeKind::Other}) {
        Mock::CaptureQuery query = base;
        const QString name = Mock::exchangeKindName(kind);
        query.terms.append({CaptureTerm::Field::Kind, name, false});
        m_kinds.append({name, query, store.count(query)});
    }
    m_hookCount = store.count(m_hooks);
    m_total = store.count(base);
}

void CallCounts::add(const Mock::Exchange &summary)
{
    if (!Mock::matchesQuery(m_base, summary))
        return;
    ++m_total;
    // The bucket queries all extend the base (and the hook one the hook query) with terms of
    // their own, and each verdict's excludes the verdicts before it: with the shared part
    // matched, the first bucket whose own term matches is the one whose whole query does. Every
    // query in full was ten times the cost of a call's other bookkeeping (issue 12).
    if (m_hooks.terms.isEmpty() || Mock::matchesTerm(m_hooks.terms.last(), summary)) {
        ++m_hookCount;
        const auto bucket
            = std::find_if(m_verdicts.begin(), m_verdicts.end(), [&summary](const Bucket &b) {
                  return Mock::matchesTerm(b.query.terms.last(), summary);
              });
        if (bucket != m_verdicts.end())
            ++bucket->count;
        return;
    }
    for (Bucket &kind : m_kinds) {
        if (Mock::matchesTerm(kind.query.terms.last(), summary)) {
            ++kind.count;
            return;
        }
    }
}

QString CallCounts::summary() const
{
    if (m_total <= 0)
        return {};
    QStringList parts;
    qint64 counted = 0;
    for (const Bucket &bucket : m_verdicts)
        counted += bucket.count;
    for (const QString &verdict : shownVerdicts()) {
        const auto bucket = std::find_if(m_verdicts.cbegin(), m_verdicts.cend(),
            [&verdict](const Bucket &b) { return b.name == verdict; });
        if (bucket != m_verdicts.cend() && bucket->count > 0)
            parts << u"%1 %2"_s.arg(verdict).arg(bucket->count);
    }
    if (m_hookCount > counted)
        parts << tr("no verdict %1").arg(m_hookCount - counted);
    for (const Bucket &kind : m_kinds) {
        if (kind.count > 0)
            parts << u"%1 %2"_s.arg(kind.name).arg(kind.count);
    }
    return tr("%1 calls: %2").arg(m_total).arg(parts.join(u" · "_s));
}
