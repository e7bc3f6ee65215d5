// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/linediff.h"

#include <dtl/dtl.hpp>

#include <vector>

using namespace Qt::StringLiterals;

namespace {

using Sequence = std::vector<QString>;
using Diff = dtl::Diff<QString, Sequence>;

QString hunkRange(long long start, long long count)
{
    return count == 1 ? QString::number(start)
                      : QString::number(start) + u',' + QString::number(count);
}

// Copies the lines of one hunk part with their diff prefix.
template<typename Elements>
void appendLines(QStringList *out, const Elements &elements)
{
    for (const auto &[line, info] : elements) {
        const QChar prefix = info.type == dtl::SES_ADD ? u'+'
            : info.type == dtl::SES_DELETE             ? u'-'
                                                       : u' ';
        out->append(prefix + line);
    }
}

} // namespace

QString unifiedDiff(
    const QStringList &before, const QStringList &after, const LineDiffOptions &options)
{
    if (before == after)
        return {};
    const Sequence a(before.cbegin(), before.cend());
    const Sequence b(after.cbegin(), after.cend());
    Diff diff(a, b);
    // onHuge trades a little memory for not recursing on long inputs (a rewritten body).
    diff.onHuge();
    diff.compose();
    diff.composeUnifiedHunks();

    QStringList out;
    out.append(u"--- "_s + options.beforeLabel);
    out.append(u"+++ "_s + options.afterLabel);
    for (const auto &hunk : diff.getUniHunks()) {
        out.append(u"@@ -%1 +%2 @@"_s.arg(hunkRange(hunk.a, hunk.b), hunkRange(hunk.c, hunk.d)));
        appendLines(&out, hunk.common[0]);
        appendLines(&out, hunk.change);
        appendLines(&out, hunk.common[1]);
    }
    return out.join(u'\n') + u'\n';
}
