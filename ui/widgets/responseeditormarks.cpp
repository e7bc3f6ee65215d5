// SPDX-License-Identifier: GPL-3.0-or-later
// The response editor's problem marks: an underline, a margin icon and a boxed note under the
// line, for problems at a JSON Pointer and for problems at a line (a script's error).
#include "ui/widgets/jsonlocator.h"
#include "ui/widgets/responseeditor_p.h"

#include <QMap>
#include <QToolTip>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace ResponseEditorDetail;

namespace {

QString tipText(const MtaHooks::Problem &problem)
{
    return problem.pointer.isEmpty() ? problem.message
                                     : problem.pointer + u": "_s + problem.message;
}

} // namespace

void ResponseEditor::setProblems(const MtaHooks::Problems &problems)
{
    d->problems = problems;
    applyProblems();
}

void ResponseEditor::setLineProblems(const QList<LineProblem> &problems)
{
    d->lineProblems = problems;
    applyProblems();
}

MtaHooks::Problems ResponseEditor::problems() const
{
    return d->problems;
}

QList<int> ResponseEditor::problemLines() const
{
    QList<int> lines;
    for (const ProblemMark &mark : std::as_const(d->marks)) {
        if (!lines.contains(mark.line))
            lines.append(mark.line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

MtaHooks::Problems ResponseEditor::problemsOnLine(int line) const
{
    MtaHooks::Problems problems;
    for (const ProblemMark &mark : std::as_const(d->marks)) {
        if (mark.line == line)
            problems.append(mark.problem);
    }
    return problems;
}

void ResponseEditor::clearProblemMarks()
{
    const int length = int(m_editor->SendScintilla(QsciScintillaBase::SCI_GETLENGTH));
    for (int indicator : IndicatorNumbers) {
        m_editor->SendScintilla(QsciScintillaBase::SCI_SETINDICATORCURRENT, indicator);
        m_editor->SendScintilla(QsciScintillaBase::SCI_INDICATORCLEARRANGE, 0, length);
    }
    for (int marker : MarkerNumbers)
        m_editor->markerDeleteAll(marker);
    m_editor->clearAnnotations();
    d->marks.clear();
}

void ResponseEditor::applyProblems()
{
    clearProblemMarks();
    auto addMark = [this](ProblemMark placed) {
        placed.line = int(
            m_editor->SendScintilla(QsciScintillaBase::SCI_LINEFROMPOSITION, int(placed.start)));
        const int i = severityIndex(placed.problem.severity);
        m_editor->SendScintilla(QsciScintillaBase::SCI_SETINDICATORCURRENT, IndicatorNumbers[i]);
        m_editor->SendScintilla(QsciScintillaBase::SCI_INDICATORFILLRANGE, int(placed.start),
            int(placed.end - placed.start));
        m_editor->markerAdd(placed.line, MarkerNumbers[i]);
        d->marks.append(placed);
    };
    for (const auto &[line, problem] : std::as_const(d->lineProblems)) {
        if (line < 0 || line >= m_editor->lines())
            continue;
        ProblemMark lineMark;
        lineMark.problem = problem;
        lineMark.foundPointer = problem.pointer;
        lineMark.start = m_editor->SendScintilla(QsciScintillaBase::SCI_POSITIONFROMLINE, line);
        lineMark.end = m_editor->SendScintilla(QsciScintillaBase::SCI_GETLINEENDPOSITION, line);
        addMark(lineMark);
    }
    // Pointers address JSON; problems of the whole document or of the transport (empty pointer)
    // have no place in the text and are listed by the Problems tab only.
    const bool json = m_language == Language::Json && !d->problems.isEmpty();
    const QByteArrayView bytes = json ? documentBytes(m_editor) : QByteArrayView();
    const JsonLocator locator(bytes);
    QMap<int, QList<const ProblemMark *>> byLine;
    for (const MtaHooks::Problem &problem : std::as_const(d->problems)) {
        if (!json || problem.pointer.isEmpty())
            continue;
        ProblemMark mark;
        mark.problem = problem;
        const JsonSpan span = locator.locateNearest(problem.pointer, &mark.foundPointer);
        if (!span.isValid())
            continue;
        const bool exact = mark.foundPointer == problem.pointer;
        // A scalar is underlined whole; a container by its member name (or its opening bracket),
        // since a squiggle under forty lines hides more than it shows.
        if (exact && !span.isContainer) {
            mark.start = span.valueStart;
            mark.end = span.valueEnd;
        } else if (span.hasKey()) {
            mark.start = span.keyStart;
            mark.end = span.keyEnd;
        } else {
            mark.start = span.valueStart;
            mark.end = span.valueStart + 1;
        }
        addMark(mark);
    }
    for (const ProblemMark &mark : std::as_const(d->marks))
        byLine[mark.line].append(&mark);
    // The findings also appear as boxed notes under their lines: a newcomer sees what is wrong
    // without discovering tooltips.
    for (auto it = byLine.cbegin(); it != byLine.cend(); ++it) {
        QStringList lines;
        int worst = 0;
        for (const ProblemMark *mark : it.value()) {
            worst = std::max(worst, severityIndex(mark->problem.severity));
            QString line = MtaHooks::severityName(mark->problem.severity) + u": "_s;
            if (mark->foundPointer != mark->problem.pointer)
                line += tr("%1 is absent: ").arg(mark->problem.pointer);
            lines.append(line + mark->problem.message);
        }
        m_editor->annotate(it.key(), lines.join(u'\n'), d->annotationStyles[worst]);
    }
}

void ResponseEditor::showDwellTip(int position, int x, int y)
{
    if (d->marks.isEmpty())
        return;
    QStringList tips;
    int marginWidth = 0;
    for (int margin = 0; margin < 3; ++margin)
        marginWidth += m_editor->marginWidth(margin);
    if (x < marginWidth) {
        // Over the margin: every problem of the line under the mouse.
        const int pos = int(m_editor->SendScintilla(QsciScintillaBase::SCI_POSITIONFROMPOINT,
            static_cast<unsigned long>(marginWidth) + 1UL, static_cast<long>(y)));
        const int line = int(m_editor->SendScintilla(QsciScintillaBase::SCI_LINEFROMPOSITION, pos));
        for (const ProblemMark &mark : std::as_const(d->marks)) {
            if (mark.line == line)
                tips.append(tipText(mark.problem));
        }
    } else if (position >= 0) {
        for (const ProblemMark &mark : std::as_const(d->marks)) {
            if (position >= mark.start && position <= mark.end)
                tips.append(tipText(mark.problem));
        }
    }
    if (!tips.isEmpty())
        QToolTip::showText(
            m_editor->viewport()->mapToGlobal(QPoint(x, y)), tips.join(u'\n'), m_editor);
}
