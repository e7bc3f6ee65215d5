// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/problemspage.h"

#include "ui/models/verdictstyle.h"

#include <QHeaderView>
#include <QLabel>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;
using MtaHooks::Severity;

namespace {

int rank(Severity severity)
{
    return severity == Severity::Error ? 0 : severity == Severity::Warning ? 1 : 2;
}

QString whereHint(const MtaHooks::Problem &problem)
{
    using MtaHooks::ProblemOrigin;
    switch (problem.origin) {
    case ProblemOrigin::Answer:
        return problem.pointer.isEmpty()
            ? ProblemsPage::tr("About the answer: double-click to see it")
            : ProblemsPage::tr("A JSON Pointer into the answer: double-click to see it there");
    case ProblemOrigin::Transport:
        return ProblemsPage::tr("About the HTTP around the call: headers, authentication, the "
                                "connection");
    case ProblemOrigin::Request:
    case ProblemOrigin::Unstated:
        break;
    }
    return problem.pointer.isEmpty()
        ? ProblemsPage::tr("About the request as a whole")
        : ProblemsPage::tr("A JSON Pointer into the request: double-click to see it there");
}

} // namespace

ProblemsPage::ProblemsPage(QWidget *parent)
    : QWidget(parent)
    , m_list(new QTreeWidget(this))
    , m_hint(new QLabel(this))
{
    m_list->setObjectName(u"problemsList"_s);
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("Severity"), tr("Where"), tr("Problem")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAllColumnsShowFocus(true);
    m_list->setWordWrap(true);
    m_list->header()->setStretchLastSection(true);
    m_hint->setContentsMargins(6, 4, 6, 4);
    m_hint->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_hint);
    layout->addWidget(m_list, 1);
    connect(m_list, &QTreeWidget::itemActivated, this,
        [this](QTreeWidgetItem *item, int) { activate(m_list->indexOfTopLevelItem(item)); });
    setProblems({});
}

ProblemsPage::~ProblemsPage() = default;

void ProblemsPage::setProblems(const MtaHooks::Problems &problems)
{
    // Errors first; the order within a severity is the validator's (document order).
    m_problems = problems;
    std::stable_sort(m_problems.begin(), m_problems.end(),
        [](const MtaHooks::Problem &a, const MtaHooks::Problem &b) {
            return rank(a.severity) < rank(b.severity);
        });
    m_list->clear();
    for (const MtaHooks::Problem &problem : std::as_const(m_problems)) {
        auto *item = new QTreeWidgetItem(m_list);
        item->setIcon(SeverityColumn, style()->standardIcon(severityPixmap(problem.severity)));
        item->setText(SeverityColumn, MtaHooks::severityName(problem.severity));
        const QString place = MtaHooks::problemPlace(problem);
        item->setText(WhereColumn, place.isEmpty() ? tr("(whole call)") : place);
        item->setText(MessageColumn, problem.message);
        item->setToolTip(MessageColumn, problem.message);
        item->setToolTip(WhereColumn, whereHint(problem));
    }
    m_list->resizeColumnToContents(SeverityColumn);
    m_list->resizeColumnToContents(WhereColumn);
    m_hint->setText(m_problems.isEmpty()
            ? tr("No problems: this call follows its dialect's rules as far as Hookscope checks "
                 "them.")
            : tr("What Hookscope found wrong with this call. Double-click a row to see it where "
                 "it happened: in the request, or in the answer."));
}

void ProblemsPage::activate(int row)
{
    if (row < 0 || row >= m_problems.size())
        return;
    Q_EMIT problemActivated(m_problems.at(row));
}
