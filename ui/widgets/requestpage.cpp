// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/requestpage.h"

#include "mock/capture/curlcommand.h"
#include "ui/models/headersmodel.h"
#include "ui/widgets/responseeditor.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

QList<HeadersModel::Row> headerRows(const Mock::HttpHeaders &headers)
{
    QList<HeadersModel::Row> rows;
    for (const auto &[name, value] : headers)
        rows.append({QString::fromLatin1(name), QString::fromUtf8(value), value, false, {}});
    return rows;
}

} // namespace

RequestPage::RequestPage(QWidget *parent)
    : QWidget(parent)
    , m_editor(new ResponseEditor(this))
    , m_headers(new HeadersModel(this))
    , m_headersView(new QTableView(this))
    , m_summary(new QLabel(this))
    , m_copyCurl(new QPushButton(tr("Copy as curl"), this))
{
    m_editor->setObjectName(u"requestEditor"_s);
    m_editor->setReadOnly(true);
    m_headersView->setObjectName(u"requestHeaders"_s);
    m_headersView->setModel(m_headers);
    m_headersView->verticalHeader()->hide();
    m_headersView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_headersView->horizontalHeader()->setStretchLastSection(true);
    // HTTP headers have no decoded form: the raw column would repeat the value.
    m_headersView->hideColumn(HeadersModel::RawColumn);
    m_headersView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setTextFormat(Qt::PlainText);
    m_copyCurl->setObjectName(u"copyCurl"_s);
    m_copyCurl->setToolTip(tr("Copy a shell command that sends this request again (to the "
                              "endpoint it was sent to)"));

    auto *top = new QHBoxLayout;
    top->setContentsMargins(6, 4, 6, 4);
    top->addWidget(m_summary, 1);
    top->addWidget(m_copyCurl);

    auto *headersBox = new QWidget(this);
    auto *headersLayout = new QVBoxLayout(headersBox);
    headersLayout->setContentsMargins(0, 0, 0, 0);
    headersLayout->setSpacing(0);
    auto *headersTitle = new QLabel(tr("HTTP headers"), headersBox);
    headersTitle->setContentsMargins(6, 4, 6, 2);
    QFont bold = headersTitle->font();
    bold.setBold(true);
    headersTitle->setFont(bold);
    headersLayout->addWidget(headersTitle);
    headersLayout->addWidget(m_headersView, 1);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_editor);
    splitter->addWidget(headersBox);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);

    connect(m_copyCurl, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(Mock::curlCommand(m_exchange, m_baseUrl));
    });
    clear();
}

RequestPage::~RequestPage() = default;

void RequestPage::showAnalysis(const ExchangeAnalysis &analysis)
{
    m_exchange = analysis.exchange;
    const BodyView body = requestBodyView(analysis);
    m_editor->setLanguage(
        body.isJson ? ResponseEditor::Language::Json : ResponseEditor::Language::Text);
    m_editor->setText(body.text);
    m_editor->setNote(body.note);
    m_editor->setProblems(body.isJson ? analysis.exchange.problems : MtaHooks::Problems());
    m_headers->setRows(headerRows(analysis.exchange.requestHeaders));
    m_headersView->resizeColumnToContents(HeadersModel::NameColumn);

    const Mock::Exchange &exchange = analysis.exchange;
    QStringList parts;
    parts.append(QString::fromUtf8(exchange.method + ' ' + exchange.path));
    const QByteArray contentType = exchange.requestHeader("Content-Type");
    if (!contentType.isEmpty())
        parts.append(QString::fromUtf8(contentType));
    parts.append(QLocale().formattedDataSize(exchange.requestBody.size()));
    if (!exchange.peerAddress.isEmpty())
        parts.append(tr("from %1:%2").arg(exchange.peerAddress).arg(exchange.peerPort));
    m_summary->setText(parts.join(u"  ·  "_s));
    m_copyCurl->setEnabled(true);
}

void RequestPage::clear()
{
    m_exchange = {};
    m_editor->setProblems({});
    m_editor->setText(QString());
    m_editor->setNote(QString());
    m_headers->setRows({});
    m_summary->setText(QString());
    m_copyCurl->setEnabled(false);
}

bool RequestPage::jumpTo(const QString &pointer)
{
    return !m_editor->jumpToNearestPointer(pointer).isNull();
}

QString RequestPage::summary() const
{
    return m_summary->text();
}
