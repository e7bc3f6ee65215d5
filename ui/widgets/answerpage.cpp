// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/answerpage.h"

#include "ui/models/headersmodel.h"
#include "ui/widgets/responseeditor.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QLabel *makeTitle(const QString &text, QWidget *parent)
{
    auto *title = new QLabel(text, parent);
    title->setContentsMargins(6, 6, 6, 2);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    return title;
}

QLabel *makeText(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setContentsMargins(6, 2, 6, 4);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QString outcomeSummary(const ExchangeAnalysis &analysis)
{
    if (!analysis.isHook)
        return AnswerPage::tr("Not a hook call: there is no mail to act on.");
    if (analysis.exchange.held)
        return AnswerPage::tr("Held: nothing has been answered yet, so the MTA has not acted.");
    if (!analysis.request.isDecoded())
        return AnswerPage::tr("The request could not be decoded, so what the MTA does with the "
                              "answer cannot be worked out.");
    if (!analysis.hasOutcome)
        return AnswerPage::tr("No answer reached the MTA (the connection was dropped): it applies "
                              "its failure policy.");
    const Outcome &outcome = analysis.outcome;
    QStringList lines;
    QString line = AnswerPage::tr("The MTA will %1").arg(actionName(outcome.action));
    if (outcome.disconnect)
        line += AnswerPage::tr(" and then disconnect");
    if (!outcome.reply.isEmpty())
        line += AnswerPage::tr(", with the SMTP reply: %1").arg(outcome.reply.toString());
    lines.append(line);
    if (outcome.malformed)
        lines.append(
            AnswerPage::tr("The answer is unusable for this MTA, so its error rule applies "
                           "(Stalwart: 451 4.3.5; drafts: nothing is applied)."));
    if (outcome.envelopeChanged || outcome.messageChanged) {
        QStringList what;
        if (outcome.envelopeChanged)
            what.append(AnswerPage::tr("the envelope"));
        if (outcome.messageChanged)
            what.append(AnswerPage::tr("the message"));
        lines.append(AnswerPage::tr("The answer changes %1: the diff below shows how.")
                         .arg(what.join(AnswerPage::tr(" and "))));
    } else if (isTerminal(outcome.action)) {
        lines.append(AnswerPage::tr("After a %1 nothing goes further at this stage, so there is "
                                    "nothing to compare.")
                         .arg(actionName(outcome.action)));
    } else {
        lines.append(
            AnswerPage::tr("The answer leaves the envelope and the message as they were."));
    }
    for (const Problem &problem : outcome.problems)
        lines.append(severityName(problem.severity) + u": "_s
            + (problem.pointer.isEmpty() ? QString() : problem.pointer + u" — "_s)
            + problem.message);
    return lines.join(u'\n');
}

} // namespace

AnswerPage::AnswerPage(QWidget *parent)
    : QWidget(parent)
    , m_answer(new ResponseEditor(this))
    , m_headers(new HeadersModel(this))
    , m_headersView(new QTableView(this))
    , m_status(makeText(this))
    , m_outcome(makeText(this))
    , m_diff(new ResponseEditor(this))
    , m_diffStack(new QStackedWidget(this))
    , m_noDiff(new QWidget(this))
    , m_halves(new QSplitter(Qt::Vertical, this))
{
    m_answer->setObjectName(u"answerEditor"_s);
    m_answer->setReadOnly(true);
    m_diff->setObjectName(u"diffEditor"_s);
    m_diff->setReadOnly(true);
    m_diff->setLanguage(ResponseEditor::Language::Diff);
    m_headersView->setObjectName(u"answerHeaders"_s);
    m_headersView->setModel(m_headers);
    m_headersView->verticalHeader()->hide();
    m_headersView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_headersView->horizontalHeader()->setStretchLastSection(true);
    m_headersView->hideColumn(HeadersModel::RawColumn);
    m_status->setObjectName(u"answerStatus"_s);
    m_outcome->setObjectName(u"answerOutcome"_s);

    auto *sent = new QWidget(this);
    auto *sentLayout = new QVBoxLayout(sent);
    sentLayout->setContentsMargins(0, 0, 0, 0);
    sentLayout->setSpacing(0);
    sentLayout->addWidget(makeTitle(tr("What Hookscope answered"), sent));
    sentLayout->addWidget(m_status);
    m_sentSplitter = new QSplitter(Qt::Horizontal, sent);
    m_sentSplitter->addWidget(m_answer);
    m_sentSplitter->addWidget(m_headersView);
    m_sentSplitter->setStretchFactor(0, 3);
    m_sentSplitter->setStretchFactor(1, 2);
    sentLayout->addWidget(m_sentSplitter, 1);

    auto *effect = new QWidget(this);
    auto *effectLayout = new QVBoxLayout(effect);
    effectLayout->setContentsMargins(0, 0, 0, 0);
    effectLayout->setSpacing(0);
    effectLayout->addWidget(makeTitle(tr("What the MTA does with it"), effect));
    effectLayout->addWidget(m_outcome);
    m_diffStack->addWidget(m_diff);
    m_diffStack->addWidget(m_noDiff);
    effectLayout->addWidget(m_diffStack, 1);

    m_halves->addWidget(sent);
    m_halves->addWidget(effect);
    m_halves->setStretchFactor(0, 2);
    m_halves->setStretchFactor(1, 3);
    m_halves->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_halves);
    clear();
}

void AnswerPage::setSideBySide(bool sideBySide)
{
    m_halves->setOrientation(sideBySide ? Qt::Horizontal : Qt::Vertical);
    // Beside the diff, the answer's half is narrow: its headers go under the body.
    m_sentSplitter->setOrientation(sideBySide ? Qt::Vertical : Qt::Horizontal);
    m_sentSplitter->setStretchFactor(0, sideBySide ? 4 : 3);
    m_sentSplitter->setStretchFactor(1, sideBySide ? 1 : 2);
    m_halves->setStretchFactor(0, sideBySide ? 1 : 2);
    m_halves->setStretchFactor(1, sideBySide ? 1 : 3);
}

AnswerPage::~AnswerPage() = default;

void AnswerPage::showAnalysis(const ExchangeAnalysis &analysis)
{
    const Mock::Exchange &exchange = analysis.exchange;
    const BodyView body = answerBodyView(analysis);
    m_answer->setLanguage(
        body.isJson ? ResponseEditor::Language::Json : ResponseEditor::Language::Text);
    m_answer->setText(body.text);
    m_answer->setNote(body.note);
    // The answer's own findings point into the answer document.
    m_answer->setProblems(
        body.isJson && analysis.hasOutcome ? analysis.response.problems : Problems());

    QList<HeadersModel::Row> rows;
    for (const auto &[name, value] : exchange.responseHeaders)
        rows.append({QString::fromLatin1(name), QString::fromUtf8(value), value, false, {}});
    m_headers->setRows(rows);
    m_headersView->resizeColumnToContents(HeadersModel::NameColumn);

    QStringList status;
    if (exchange.held)
        status.append(tr("Held: not answered yet"));
    else if (exchange.httpStatus == 0)
        status.append(tr("No HTTP response (connection dropped)"));
    else
        status.append(u"HTTP "_s + httpStatusText(exchange.httpStatus));
    if (const QByteArray type = contentTypeOf(exchange.responseHeaders); !type.isEmpty())
        status.append(QString::fromUtf8(type));
    if (!exchange.held && exchange.httpStatus != 0)
        status.append(QLocale().formattedDataSize(exchange.responseBody.size()));
    if (!exchange.ruleName.isEmpty())
        status.append(tr("rule “%1”").arg(exchange.ruleName));
    if (!exchange.fault.isEmpty())
        status.append(tr("fault injected: %1").arg(exchange.fault));
    m_status->setText(status.join(u"  ·  "_s));

    m_outcome->setText(outcomeSummary(analysis));
    const QString diff = outcomeDiff(analysis);
    m_diff->setText(diff);
    m_diffStack->setCurrentWidget(diff.isEmpty() ? m_noDiff : static_cast<QWidget *>(m_diff));
}

void AnswerPage::clear()
{
    m_answer->setProblems({});
    m_answer->setText(QString());
    m_answer->setNote(QString());
    m_headers->setRows({});
    m_status->setText(QString());
    m_outcome->setText(QString());
    m_diff->setText(QString());
    m_diffStack->setCurrentWidget(m_noDiff);
}

QString AnswerPage::statusText() const
{
    return m_status->text();
}

QString AnswerPage::outcomeText() const
{
    return m_outcome->text();
}
