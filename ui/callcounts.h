// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"

#include <QCoreApplication>
#include <QList>
#include <QString>

namespace Mock {
class CaptureStore;
}

// What the status bar counts: the calls matching the timeline's filter, each once, under its
// verdict or, for the control plane, its kind, so that the parts add up to what the timeline
// lists. Counted from the store when the filter or the captures change wholesale; a new call is
// added in memory by matching it against the same queries (Mock::matchesQuery, which reads them
// as the store does). A busy endpoint then costs no COUNT over a growing table: those took
// 140-370 ms a second at 5k calls/s, the window's worst answer latencies (issue 12).
class CallCounts
{
    Q_DECLARE_TR_FUNCTIONS(CallCounts)

public:
    void recount(Mock::CaptureStore &store, const Mock::CaptureQuery &base);
    void add(const Mock::Exchange &summary); // a new call, saved since the last recount
    qint64 total() const { return m_total; }
    QString summary() const; // "12 calls: accept 10 · reject 2"; "" for none

private:
    struct Bucket
    {
        QString name;
        // What the store counts. Its last term is the bucket's own: what a call the buckets
        // before it did not take must match (the rest is what they all share, checked once).
        Mock::CaptureQuery query;
        qint64 count = 0;
    };
    Mock::CaptureQuery m_base;
    Mock::CaptureQuery m_hooks;
    QList<Bucket> m_verdicts; // each query excludes the verdicts before it
    QList<Bucket> m_kinds;
    qint64 m_hookCount = 0;
    qint64 m_total = 0;
};
