// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/mimeview.h"

#include "ui/models/headersmodel.h"
#include "ui/models/mimetreemodel.h"
#include "ui/widgets/attachmentfiles.h"
#include "ui/widgets/mimepartcontent.h"
#include "ui/widgets/safehtmlview.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeView>
#include <QUrl>
#include <QVBoxLayout>

#include <functional>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::Defect;
using MtaHooks::Mime::MimeMessage;
using MtaHooks::Mime::MimePart;

namespace {

QLabel *makeBanner(QWidget *parent)
{
    auto *banner = new QLabel(parent);
    banner->setWordWrap(true);
    banner->setTextFormat(Qt::PlainText);
    banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner->setContentsMargins(8, 4, 8, 4);
    banner->setAutoFillBackground(true);
    // Black on a warning yellow in either theme: it stands out on a dark window as on a light
    // one, and needs no repainting when View ▸ Theme changes the palette.
    QPalette pal = banner->palette();
    pal.setColor(QPalette::Window, QColor(0xff, 0xe8, 0xa8));
    pal.setColor(QPalette::WindowText, Qt::black);
    banner->setPalette(pal);
    banner->hide();
    return banner;
}

QPlainTextEdit *makeTextView(QWidget *parent, bool monospace)
{
    auto *view = new QPlainTextEdit(parent);
    view->setReadOnly(true);
    view->setLineWrapMode(monospace ? QPlainTextEdit::NoWrap : QPlainTextEdit::WidgetWidth);
    if (monospace)
        view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

// A tab page: a note line above the view.
QWidget *makePage(QWidget *view, QLabel *note, QWidget *extra = nullptr)
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    note->setContentsMargins(6, 3, 6, 3);
    note->setWordWrap(true);
    note->setTextFormat(Qt::PlainText);
    note->hide();
    layout->addWidget(note);
    layout->addWidget(view, 1);
    if (extra)
        layout->addWidget(extra);
    return page;
}

void setNote(QLabel *note, const QString &text)
{
    note->setText(text);
    note->setVisible(!text.isEmpty());
}

} // namespace

struct MimeView::Private
{
    MimeMessage message;
    MimePart current;
    bool hasCurrent = false;
    MimeTreeModel *model = nullptr;
    QTreeView *tree = nullptr;
    QLabel *messageBanner = nullptr;
    QLabel *partTitle = nullptr;
    QLabel *partBanner = nullptr;
    QPushButton *save = nullptr;
    QPushButton *open = nullptr;
    QTabWidget *tabs = nullptr;
    HeadersModel *headers = nullptr;
    QTableView *headersView = nullptr;
    QPlainTextEdit *text = nullptr;
    QLabel *textNote = nullptr;
    SafeHtmlView *html = nullptr;
    QLabel *htmlNote = nullptr;
    QLabel *linkLabel = nullptr;
    QPlainTextEdit *raw = nullptr;
    QLabel *rawNote = nullptr;
    QPlainTextEdit *hex = nullptr;
    QLabel *hexNote = nullptr;
    std::unique_ptr<QTemporaryDir> tempDir; // copies handed to "Open with…"; removed with the view
};

MimeView::MimeView(QWidget *parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->model = new MimeTreeModel(this);
    d->headers = new HeadersModel(this);

    d->messageBanner = makeBanner(this);
    d->messageBanner->setObjectName(u"messageDefects"_s);

    d->tree = new QTreeView(this);
    d->tree->setObjectName(u"mimeTree"_s);
    d->tree->setModel(d->model);
    d->tree->setUniformRowHeights(true);
    d->tree->setAllColumnsShowFocus(true);
    d->tree->header()->setStretchLastSection(true);

    auto *right = new QWidget(this);
    d->partTitle = new QLabel(right);
    d->partTitle->setTextFormat(Qt::PlainText);
    d->partTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont titleFont = d->partTitle->font();
    titleFont.setBold(true);
    d->partTitle->setFont(titleFont);
    d->save = new QPushButton(tr("Save as…"), right);
    d->save->setToolTip(tr("Save the decoded content of this part to a file"));
    d->open = new QPushButton(tr("Open with…"), right);
    d->open->setToolTip(tr("Open a copy with the desktop's application for its type (programs "
                           "and scripts are never opened)"));
    d->partBanner = makeBanner(right);
    d->partBanner->setObjectName(u"partDefects"_s);

    d->tabs = new QTabWidget(right);
    d->tabs->setObjectName(u"partTabs"_s);
    d->tabs->setDocumentMode(true);

    d->headersView = new QTableView;
    d->headersView->setObjectName(u"headersTable"_s);
    d->headersView->setModel(d->headers);
    d->headersView->verticalHeader()->hide();
    d->headersView->horizontalHeader()->setStretchLastSection(true);
    d->headersView->setWordWrap(false);
    d->headersView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    d->headersView->setSelectionBehavior(QAbstractItemView::SelectRows);
    d->tabs->addTab(d->headersView, tr("Headers"));

    d->text = makeTextView(this, false);
    d->text->setObjectName(u"textView"_s);
    d->textNote = new QLabel;
    d->tabs->addTab(makePage(d->text, d->textNote), tr("Text"));

    d->html = new SafeHtmlView;
    d->html->setObjectName(u"htmlView"_s);
    // Mail is written for a white page: on a dark theme, an HTML part that sets only a dark text
    // colour would be unreadable. A mail client shows it on paper, so does this view.
    QPalette paper = d->html->palette();
    paper.setColor(QPalette::Base, Qt::white);
    paper.setColor(QPalette::Text, Qt::black);
    paper.setColor(QPalette::Link, QColor(0x06, 0x45, 0xad));
    paper.setColor(QPalette::LinkVisited, QColor(0x0b, 0x00, 0x80));
    d->html->setPalette(paper);
    d->htmlNote = makeBanner(this);
    d->linkLabel = new QLabel;
    d->linkLabel->setContentsMargins(6, 2, 6, 2);
    d->linkLabel->setTextFormat(Qt::PlainText);
    d->linkLabel->setText(tr("Remote content is never loaded here and links are not followed; "
                             "point at a link to see where it leads."));
    d->tabs->addTab(makePage(d->html, d->htmlNote, d->linkLabel), tr("HTML"));

    d->raw = makeTextView(this, true);
    d->raw->setObjectName(u"rawView"_s);
    d->rawNote = new QLabel;
    d->tabs->addTab(makePage(d->raw, d->rawNote), tr("Raw"));

    d->hex = makeTextView(this, true);
    d->hex->setObjectName(u"hexView"_s);
    d->hexNote = new QLabel;
    d->tabs->addTab(makePage(d->hex, d->hexNote), tr("Hex"));

    auto *titleRow = new QHBoxLayout;
    titleRow->setContentsMargins(6, 4, 6, 4);
    titleRow->addWidget(d->partTitle, 1);
    titleRow->addWidget(d->save);
    titleRow->addWidget(d->open);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(0);
    rightLayout->addLayout(titleRow);
    rightLayout->addWidget(d->partBanner);
    rightLayout->addWidget(d->tabs, 1);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(d->tree);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);
    // Wide enough for type, size and file name; the part's content gets the rest.
    splitter->setSizes({420, 680});
    // In a narrow detail pane the splitter would otherwise squeeze the tree to a sliver.
    d->tree->setMinimumWidth(240);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(d->messageBanner);
    layout->addWidget(splitter, 1);

    connect(d->tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex &current) {
            if (current.isValid())
                showPart(d->model->partAt(current.siblingAtColumn(0)));
        });
    connect(d->save, &QPushButton::clicked, this, &MimeView::saveCurrentPart);
    connect(d->open, &QPushButton::clicked, this, &MimeView::openCurrentPart);
    connect(d->html, &SafeHtmlView::resourceRefused, this, [this](const QUrl &) {
        const QList<QUrl> refused = d->html->refusedUrls();
        QStringList urls;
        for (const QUrl &url : refused)
            urls.append(url.toDisplayString());
        const QString what = refused.size() == 1
            ? tr("Blocked 1 resource this HTML asks for: %1.").arg(urls.constFirst())
            : tr("Blocked %1 resources this HTML asks for (first: %2).")
                  .arg(refused.size())
                  .arg(urls.constFirst());
        setNote(d->htmlNote,
            what + u' '
                + tr("Hookscope never loads remote content: a tracking pixel would tell the "
                     "sender that the message was opened."));
        d->htmlNote->setToolTip(urls.join(u'\n'));
    });
    connect(d->html, &QTextBrowser::highlighted, this, [this](const QUrl &url) {
        d->linkLabel->setText(url.isEmpty()
                ? tr("Links are not followed; point at a link to see where it leads.")
                : tr("Link (not followed): %1").arg(url.toDisplayString()));
    });

    clear();
}

MimeView::~MimeView() = default;

void MimeView::setMessage(const MimeMessage &message)
{
    d->message = message;
    d->model->setMessage(message);
    d->tree->expandAll();
    for (int column = 0; column < d->model->columnCount() - 1; ++column)
        d->tree->resizeColumnToContents(column);

    const QString defects = defectText();
    d->messageBanner->setText(defects);
    d->messageBanner->setVisible(!defects.isEmpty());

    d->tree->setCurrentIndex(d->model->index(0, 0));
    if (d->model->rowCount() == 0)
        showPart(message.root);
    // A newcomer first wants to read the message: its HTML, else its text.
    if (isPartTabEnabled(HtmlTab))
        setCurrentPartTab(HtmlTab);
    else if (isPartTabEnabled(TextTab))
        setCurrentPartTab(TextTab);
    else
        setCurrentPartTab(HeadersTab);
}

void MimeView::clear()
{
    d->message = {};
    d->current = {};
    d->hasCurrent = false;
    d->model->setMessage({});
    d->messageBanner->hide();
    d->partBanner->hide();
    d->partTitle->setText(tr("No message"));
    d->headers->setRows({});
    d->text->clear();
    d->html->clearContent();
    d->raw->clear();
    d->hex->clear();
    for (QLabel *note : {d->textNote, d->htmlNote, d->rawNote, d->hexNote})
        setNote(note, QString());
    d->save->setEnabled(false);
    d->open->setEnabled(false);
}

MimeMessage MimeView::message() const
{
    return d->message;
}

bool MimeView::selectPart(const QString &partId)
{
    std::function<QModelIndex(const QModelIndex &)> find
        = [this, &partId, &find](const QModelIndex &parent) -> QModelIndex {
        for (int row = 0; row < d->model->rowCount(parent); ++row) {
            const QModelIndex index = d->model->index(row, 0, parent);
            const MimePart part = d->model->partAt(index);
            if (part.partId() == partId && (!partId.isEmpty() || !parent.isValid()))
                return index;
            if (const QModelIndex below = find(index); below.isValid())
                return below;
        }
        return {};
    };
    const QModelIndex index = find({});
    if (!index.isValid())
        return false;
    d->tree->setCurrentIndex(index);
    return true;
}

MimePart MimeView::currentPart() const
{
    return d->current;
}

void MimeView::setCurrentPartTab(PartTab tab)
{
    d->tabs->setCurrentIndex(int(tab));
}

MimeView::PartTab MimeView::currentPartTab() const
{
    return PartTab(d->tabs->currentIndex());
}

bool MimeView::isPartTabEnabled(PartTab tab) const
{
    return d->tabs->isTabEnabled(int(tab));
}

QTreeView *MimeView::treeView() const
{
    return d->tree;
}

QTabWidget *MimeView::partTabs() const
{
    return d->tabs;
}

SafeHtmlView *MimeView::htmlView() const
{
    return d->html;
}

QString MimeView::textContent() const
{
    return d->text->toPlainText();
}

QString MimeView::rawContent() const
{
    return d->raw->toPlainText();
}

QString MimeView::hexContent() const
{
    return d->hex->toPlainText();
}

QString MimeView::defectText() const
{
    const QList<Defect> &defects = d->message.defects;
    if (defects.isEmpty())
        return {};
    const qsizetype breaks = std::count_if(
        defects.cbegin(), defects.cend(), [](const Defect &defect) { return !defect.isNote(); });
    QString text;
    if (!d->message.isValid)
        text = tr("This is not a valid message.");
    else if (breaks == 0)
        text = tr("Notes on how this message was read (no MIME rule is broken):");
    else
        text = (breaks == 1 ? tr("This message breaks the MIME rules in 1 place")
                            : tr("This message breaks the MIME rules in %1 places").arg(breaks))
            + tr("; the parts concerned are marked in the tree. Mail clients may show it "
                 "differently from each other.");
    return text + u'\n' + mimeDefectLines(defects);
}

void MimeView::showPart(const MimePart &part)
{
    d->current = part;
    d->hasCurrent = true;
    // Disabling the current tab makes QTabWidget move on by itself: remember what was shown.
    const int shown = d->tabs->currentIndex();
    const MimePartContent content = mimePartContent(d->message, part);
    d->partTitle->setText(content.title);
    d->partBanner->setText(content.defects);
    d->partBanner->setVisible(!content.defects.isEmpty());
    d->headers->setRows(content.headers);
    d->headersView->resizeColumnToContents(HeadersModel::NameColumn);
    d->save->setEnabled(content.canSave);
    d->open->setEnabled(content.canOpen);

    d->text->setPlainText(content.text);
    setNote(d->textNote, content.textNote);
    d->tabs->setTabEnabled(TextTab, content.hasText);
    setNote(d->htmlNote, QString());
    if (content.hasHtml)
        d->html->setContent(d->message, content.html);
    else
        d->html->clearContent();
    d->tabs->setTabEnabled(HtmlTab, content.hasHtml);
    d->raw->setPlainText(content.raw);
    setNote(d->rawNote, content.rawNote);
    d->hex->setPlainText(content.hex);
    setNote(d->hexNote, content.hexNote);

    if (d->tabs->isTabEnabled(shown)) {
        d->tabs->setCurrentIndex(shown);
    } else {
        if (content.hasHtml)
            setCurrentPartTab(HtmlTab);
        else if (content.hasText)
            setCurrentPartTab(TextTab);
        else if (content.canSave)
            setCurrentPartTab(HexTab);
        else
            setCurrentPartTab(HeadersTab);
    }
}

QString MimeView::writeTemporaryCopy(QString *error)
{
    if (!d->hasCurrent || d->current.isMultipart()) {
        if (error)
            *error = tr("Select a part first.");
        return {};
    }
    const QString name = AttachmentFiles::suggestedFileName(d->current);
    if (AttachmentFiles::isRiskyToOpen(name)) {
        if (error)
            *error = tr("“%1” could run as a program, so Hookscope does not open it. Save it and "
                        "inspect it with a tool you trust.")
                         .arg(name);
        return {};
    }
    if (!d->tempDir) {
        d->tempDir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/hookscope-XXXXXX"_s);
        if (!d->tempDir->isValid()) {
            if (error)
                *error = d->tempDir->errorString();
            d->tempDir.reset();
            return {};
        }
    }
    // One sub-folder per copy: two parts called "image.png" must not overwrite each other while a
    // viewer still has the first open.
    static int counter = 0;
    const QString folder = d->tempDir->filePath(QString::number(++counter));
    if (!QDir().mkpath(folder)) {
        if (error)
            *error = tr("Cannot create %1.").arg(folder);
        return {};
    }
    QString path = QDir(folder).filePath(name);
    if (!AttachmentFiles::writePart(d->message, d->current, path, error))
        return {};
    return path;
}

void MimeView::saveCurrentPart()
{
    if (!d->hasCurrent)
        return;
    const QString suggested = QDir::home().filePath(AttachmentFiles::suggestedFileName(d->current));
    const QString path = QFileDialog::getSaveFileName(this, tr("Save part"), suggested);
    if (path.isEmpty())
        return;
    QString error;
    if (!AttachmentFiles::writePart(d->message, d->current, path, &error))
        QMessageBox::warning(this, tr("Save part"), tr("Could not save %1: %2").arg(path, error));
}

void MimeView::openCurrentPart()
{
    QString error;
    const QString path = writeTemporaryCopy(&error);
    if (path.isEmpty()) {
        QMessageBox::information(this, tr("Open with…"), error);
        return;
    }
    // The desktop chooses the application for the type; nothing is executed from here.
    QDesktopServices::openUrl(QUrl::fromLocalFile(path));
}
