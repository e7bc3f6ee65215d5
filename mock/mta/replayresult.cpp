// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mta/replayresult.h"

#include <algorithm>

namespace Mock {

bool ReplayResult::allWellFormed() const
{
    if (!error.isEmpty())
        return false;
    return std::all_of(stages.cbegin(), stages.cend(), [](const StageResult &stage) {
        // A stage that was never sent (expected but not reached) has no answer to judge.
        if (stage.attempts == 0 && stage.httpStatus == 0 && stage.transportError.isEmpty())
            return true;
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

LatencyFigures latencyFigures(QList<qint64> latenciesUs)
{
    LatencyFigures figures;
    if (latenciesUs.isEmpty())
        return figures;
    std::sort(latenciesUs.begin(), latenciesUs.end());
    const qsizetype n = latenciesUs.size();
    figures.count = int(n);
    figures.minUs = latenciesUs.constFirst();
    figures.maxUs = latenciesUs.constLast();
    figures.medianUs = latenciesUs.at(n / 2);
    // Nearest rank: the smallest value with at least 99% of the values at or below it.
    const qsizetype rank = (99 * n + 99) / 100; // ceil(0.99 n), 1-based
    figures.p99Us = latenciesUs.at(qBound<qsizetype>(0, rank - 1, n - 1));
    return figures;
}

ReplaySummary summarize(const QList<ReplayResult> &results, qint64 elapsedMs)
{
    ReplaySummary summary;
    summary.sessions = int(results.size());
    summary.elapsedMs = elapsedMs;
    QList<qint64> latencies;
    QList<std::pair<QString, QList<qint64>>> byStage;
    for (const ReplayResult &result : results) {
        summary.failedExpectations += result.expectationFailures();
        if (summary.setupError.isEmpty())
            summary.setupError = result.error;
        for (const StageResult &stage : result.stages) {
            if (!stage.skipped.isEmpty()) {
                ++summary.skippedStages;
                continue;
            }
            if (stage.attempts == 0 && stage.httpStatus == 0 && stage.transportError.isEmpty())
                continue; // expected but never reached: not a call
            ++summary.stages;
            summary.httpCalls += stage.attempts;
            if (!stage.transportError.isEmpty())
                ++summary.transportErrors;
            else if (stage.outcome.malformed || stage.httpStatus < 200 || stage.httpStatus > 299)
                ++summary.malformedAnswers;
            if (stage.httpStatus <= 0)
                continue;
            latencies.append(stage.latencyUs);
            auto it = std::find_if(byStage.begin(), byStage.end(),
                [&stage](const auto &entry) { return entry.first == stage.stageName; });
            if (it == byStage.end()) {
                byStage.append({stage.stageName, {}});
                it = byStage.end() - 1;
            }
            it->second.append(stage.latencyUs);
        }
    }
    const LatencyFigures all = latencyFigures(latencies);
    summary.latencyMinUs = all.minUs;
    summary.latencyMedianUs = all.medianUs;
    summary.latencyP99Us = all.p99Us;
    summary.latencyMaxUs = all.maxUs;
    for (const auto &[name, values] : std::as_const(byStage))
        summary.latencyByStage.append({name, latencyFigures(values)});
    return summary;
}

} // namespace Mock
