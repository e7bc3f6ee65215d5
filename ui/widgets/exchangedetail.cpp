// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/exchangedetail.h"

#include "ui/widgets/answerpage.h"
#include "ui/widgets/exchangeanalysis.h"
#include "ui/widgets/mimeview.h"
#include "ui/widgets/overviewpage.h"
#include "ui/widgets/problemspage.h"
#include "ui/widgets/requestpage.h"
#include "ui/widgets/responseeditor.h"

#include <QLabel>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

struct ExchangeDetail::Private
{
    ExchangeAnalysis analysis;
    QString baseUrl;
    OverviewPage *overview = nullptr;
    RequestPage *request = nullptr;
    QStackedWidget *messageStack = nullptr;
    MimeView *mime = nullptr;
    QLabel *noMessage = nullptr;
    AnswerPage *answer = nullptr;
    ProblemsPage *problems = nullptr;
};

ExchangeDetail::ExchangeDetail(QWidget *parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
    , m_tabs(new QTabWidget(this))
{
    m_tabs->setObjectName(u"exchangeTabs"_s);
    m_tabs->setDocumentMode(true);
    d->overview = new OverviewPage(m_tabs);
    d->request = new RequestPage(m_tabs);
    d->messageStack = new QStackedWidget(m_tabs);
    d->mime = new MimeView(d->messageStack);
    d->noMessage = new QLabel(d->messageStack);
    d->noMessage->setObjectName(u"noMessage"_s);
    d->noMessage->setAlignment(Qt::AlignCenter);
    d->noMessage->setWordWrap(true);
    d->noMessage->setMargin(24);
    d->noMessage->setTextFormat(Qt::PlainText);
    d->messageStack->addWidget(d->mime);
    d->messageStack->addWidget(d->noMessage);
    d->answer = new AnswerPage(m_tabs);
    d->problems = new ProblemsPage(m_tabs);
    m_tabs->insertTab(OverviewTab, d->overview, tr("Overview"));
    m_tabs->insertTab(RequestTab, d->request, tr("Request"));
    m_tabs->insertTab(MessageTab, d->messageStack, tr("Message"));
    m_tabs->insertTab(AnswerTab, d->answer, tr("Answer"));
    m_tabs->insertTab(ProblemsTab, d->problems, tr("Problems"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    connect(d->overview, &OverviewPage::linkActivated, this, &ExchangeDetail::openLink);
    connect(d->problems, &ProblemsPage::problemActivated, this, &ExchangeDetail::showProblem);
    clear();
}

ExchangeDetail::~ExchangeDetail() = default;

void ExchangeDetail::showExchange(const Mock::Exchange &exchange)
{
    d->analysis = ExchangeAnalysis::analyse(exchange);
    const ExchangeAnalysis &analysis = d->analysis;
    d->overview->showAnalysis(analysis);
    d->request->showAnalysis(analysis);
    d->answer->showAnalysis(analysis);
    d->problems->setProblems(exchange.problems);

    if (analysis.hasMessage) {
        d->mime->setMessage(analysis.message);
        d->messageStack->setCurrentWidget(d->mime);
        d->noMessage->clear();
    } else {
        d->mime->clear();
        QString text;
        const QString stage = analysis.request.stageName.isEmpty()
            ? stageName(analysis.request.stage)
            : analysis.request.stageName;
        if (!analysis.isHook)
            text = tr("This call is a %1 request, not a hook call: it carries no message.")
                       .arg(Mock::exchangeKindName(exchange.kind));
        else if (!analysis.request.isDecoded())
            text = tr("The request could not be decoded, so no message could be read from it. "
                      "The Request and Problems tabs say why.");
        else if (analysis.request.document.contains(u"/message"))
            text = tr("This request carries the message only as a JMAP object, without the raw "
                      "message (rawMessage was not sent), so it cannot be shown as MIME. The "
                      "Request tab shows the JMAP object.");
        else
            text = tr("This stage carries no message.\n\nThe MTA sends the message only with the "
                      "data stage (and, in the drafts, with dsn); this call is at the “%1” stage.")
                       .arg(stage);
        d->noMessage->setText(text);
        d->messageStack->setCurrentWidget(d->noMessage);
    }

    const int count = int(exchange.problems.size());
    m_tabs->setTabText(ProblemsTab, count ? tr("Problems (%1)").arg(count) : tr("Problems"));
    QIcon icon;
    if (hasErrors(exchange.problems))
        icon = style()->standardIcon(QStyle::SP_MessageBoxCritical);
    else if (count)
        icon = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    m_tabs->setTabIcon(ProblemsTab, icon);
    for (int tab = 0; tab < TabCount; ++tab)
        m_tabs->setTabEnabled(tab, true);
}

void ExchangeDetail::clear()
{
    d->analysis = {};
    d->overview->clear();
    d->request->clear();
    d->mime->clear();
    d->answer->clear();
    d->problems->setProblems({});
    d->noMessage->setText(tr("No call selected."));
    d->messageStack->setCurrentWidget(d->noMessage);
    m_tabs->setTabText(ProblemsTab, tr("Problems"));
    m_tabs->setTabIcon(ProblemsTab, QIcon());
    for (int tab = RequestTab; tab < TabCount; ++tab)
        m_tabs->setTabEnabled(tab, false);
    m_tabs->setCurrentIndex(OverviewTab);
}

Mock::Exchange ExchangeDetail::exchange() const
{
    return d->analysis.exchange;
}

void ExchangeDetail::setCurrentTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

ExchangeDetail::Tab ExchangeDetail::currentTab() const
{
    return Tab(m_tabs->currentIndex());
}

void ExchangeDetail::setBaseUrl(const QString &baseUrl)
{
    d->baseUrl = baseUrl;
    d->request->setBaseUrl(baseUrl);
}

OverviewPage *ExchangeDetail::overviewTab() const
{
    return d->overview;
}

RequestPage *ExchangeDetail::requestTab() const
{
    return d->request;
}

MimeView *ExchangeDetail::mimeView() const
{
    return d->mime;
}

AnswerPage *ExchangeDetail::answerTab() const
{
    return d->answer;
}

ProblemsPage *ExchangeDetail::problemsTab() const
{
    return d->problems;
}

QString ExchangeDetail::noMessageText() const
{
    return d->messageStack->currentWidget() == d->noMessage ? d->noMessage->text() : QString();
}

void ExchangeDetail::openLink(const QString &target)
{
    if (target == u"problems"_s)
        setCurrentTab(ProblemsTab);
    else if (target == u"request"_s)
        setCurrentTab(RequestTab);
    else if (target == u"message"_s)
        setCurrentTab(MessageTab);
    else if (target == u"answer"_s)
        setCurrentTab(AnswerTab);
}

void ExchangeDetail::showProblem(const Problem &problem)
{
    switch (problem.origin) {
    case MtaHooks::ProblemOrigin::Answer:
        // The answer's status, headers and body; its pointers are into the answer document.
        setCurrentTab(AnswerTab);
        if (!problem.pointer.isEmpty())
            d->answer->answerEditor()->jumpToNearestPointer(problem.pointer);
        break;
    case MtaHooks::ProblemOrigin::Transport:
        setCurrentTab(RequestTab); // the request's HTTP headers are shown there
        break;
    case MtaHooks::ProblemOrigin::Request:
    case MtaHooks::ProblemOrigin::Unstated:
        if (!problem.pointer.isEmpty()) {
            setCurrentTab(RequestTab);
            d->request->jumpTo(problem.pointer);
        }
        break;
    }
    Q_EMIT problemActivated(problem.pointer);
}
