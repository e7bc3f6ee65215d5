// SPDX-License-Identifier: GPL-3.0-or-later
// The Conformance dialog's evidence pane: the selected check's exchanges, listed and as text, and
// the way from the one picked to the timeline.
#include "ui/conformancedialog.h"

#include "ui/models/conformresultsmodel.h"

#include <QListWidget>
#include <QPlainTextEdit>
#include <QTextCursor>
#include <QTreeView>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

enum EvidenceItemRole { CapturedIdRole = Qt::UserRole + 1, TextPositionRole };

QString firstLine(const QString &text)
{
    return text.section(u'\n', 0, 0).trimmed();
}

// "POST /hooks/r1 → HTTP 200": the request line with the path only (the scanner's origin is the
// same on every line), then the answer's status line.
QString exchangeLabel(int number, const Conform::Evidence &evidence)
{
    QString request = firstLine(evidence.sent);
    const QString method = request.section(u' ', 0, 0);
    const QUrl url(request.section(u' ', 1));
    if (!url.scheme().isEmpty())
        request = method + u' ' + (url.path().isEmpty() ? u"/"_s : url.path())
            + (url.hasQuery() ? u'?' + url.query() : QString());
    return u"%1. %2  →  %3"_s.arg(number).arg(request, firstLine(evidence.seen));
}

QString resultHeading(const Conform::Result &result)
{
    QString heading = u"%1  %2  %3\n%4"_s.arg(Conform::statusName(result.status),
        Conform::levelName(result.level), result.title, result.clause);
    if (!result.detail.isEmpty())
        heading += u"\n"_s + result.detail;
    return heading;
}

} // namespace

void ConformanceDialog::exchangeCaptured(qint64 exchange, qint64 id)
{
    m_model->setCapturedId(exchange, id); // dataChanged → refreshCapturedIds
}

void ConformanceDialog::showSelection()
{
    const QModelIndex current = m_view->currentIndex();
    QSignalBlocker quiet(m_exchanges);
    m_exchanges->clear();
    if (!current.isValid()) {
        m_evidence->clear();
        updateButtons();
        return;
    }
    const Conform::Result result = m_model->result(current.row());
    QString text = resultHeading(result) + u"\n\n"_s;
    if (result.evidence.isEmpty())
        text += tr("(no exchange is recorded for this check)");
    const auto count = result.evidence.size();
    for (qsizetype i = 0; i < count; ++i) {
        const Conform::Evidence &evidence = result.evidence.at(i);
        if (i > 0)
            text += u"\n\n"_s;
        auto *item = new QListWidgetItem(exchangeLabel(int(i) + 1, evidence), m_exchanges);
        item->setData(TextPositionRole, int(text.size()));
        item->setData(CapturedIdRole, evidence.capturedId);
        if (count > 1)
            text += u"── %1 of %2 ──\n"_s.arg(i + 1).arg(count);
        text += u">>> sent\n"_s + evidence.sent.trimmed() + u"\n<<< seen\n"_s
            + evidence.seen.trimmed();
    }
    m_evidence->setPlainText(text);
    refreshCapturedIds();
    if (m_exchanges->count() > 0)
        m_exchanges->setCurrentRow(0); // quiet: the text stays at its top, with the heading
    updateButtons();
}

void ConformanceDialog::refreshCapturedIds()
{
    const Conform::Result result = m_model->result(m_view->currentIndex().row());
    for (int i = 0; i < m_exchanges->count() && i < result.evidence.size(); ++i) {
        QListWidgetItem *item = m_exchanges->item(i);
        const qint64 id = result.evidence.at(i).capturedId;
        item->setData(CapturedIdRole, id);
        item->setForeground(id > 0 ? palette().brush(QPalette::Text)
                                   : palette().brush(QPalette::Disabled, QPalette::Text));
        item->setToolTip(
            id > 0 ? tr("Captured as call %1").arg(id) : tr("Not in the capture store"));
    }
    updateButtons();
}

void ConformanceDialog::showEvidenceItem()
{
    const QListWidgetItem *item = m_exchanges->currentItem();
    if (item) {
        // To the end first, so that the exchange's block comes to the top of the view.
        QTextCursor cursor = m_evidence->textCursor();
        cursor.movePosition(QTextCursor::End);
        m_evidence->setTextCursor(cursor);
        m_evidence->ensureCursorVisible();
        cursor.setPosition(item->data(TextPositionRole).toInt());
        m_evidence->setTextCursor(cursor);
        m_evidence->ensureCursorVisible();
    }
    updateButtons();
}

qint64 ConformanceDialog::pickedExchangeId() const
{
    const QListWidgetItem *item = m_exchanges->currentItem();
    return item ? item->data(CapturedIdRole).toLongLong() : 0;
}

void ConformanceDialog::showInTimeline()
{
    if (const qint64 id = pickedExchangeId(); id > 0)
        Q_EMIT showExchangeRequested(id);
}
