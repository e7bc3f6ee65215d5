// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/replayresult.h"

#include <algorithm>

namespace Mock {

bool ReplayResult::allWellFormed() const
{
    if (!error.isEmpty())
        return false;
    return std::all_of(stages.cbegin(), stages.cend(), [](const StageResult &stage) {
        return stage.httpStatus >= 200 && stage.httpStatus < 300 && !stage.outcome.malformed;
    });
}

int ReplayResult::expectationFailures() const
{
    int count = 0;
    for (const StageResult &stage : stages)
        count += stage.expectationFailures.isEmpty() ? 0 : 1;
    return count;
}

ReplaySummary summarize(const QList<ReplayResult> &results, qint64 elapsedMs)
{
    ReplaySummary summary;
    summary.sessions = int(results.size());
    summary.elapsedMs = elapsedMs;
    QList<qint64> latencies;
    for (const ReplayResult &result : results) {
        summary.failedExpectations += result.expectationFailures();
        for (const StageResult &stage : result.stages) {
            ++summary.stages;
            if (!stage.transportError.isEmpty())
                ++summary.transportErrors;
            else if (stage.outcome.malformed || stage.httpStatus < 200 || stage.httpStatus > 299)
                ++summary.malformedAnswers;
            if (stage.httpStatus > 0)
                latencies.append(stage.latencyUs);
        }
    }
    if (!latencies.isEmpty()) {
        std::sort(latencies.begin(), latencies.end());
        summary.latencyMinUs = latencies.constFirst();
        summary.latencyMaxUs = latencies.constLast();
        summary.latencyMedianUs = latencies.at(latencies.size() / 2);
        summary.latencyP99Us = latencies.at(qMin(latencies.size() - 1,
                                                 qsizetype(double(latencies.size()) * 0.99)));
    }
    return summary;
}

} // namespace Mock
