// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/heldcallpanel.h"

#include "mock/protocol/codec.h"
#include "mock/protocol/presets.h"
#include "ui/answereditor.h"
#include "ui/widgets/responseeditor.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

HeldCallPanel::HeldCallPanel(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_countdown(new QLabel(this))
    , m_editor(new ResponseEditor(this))
    , m_problems(new QLabel(this))
    , m_status(new QSpinBox(this))
    , m_presets(new QToolButton(this))
    , m_send(new QPushButton(tr("Send answer"), this))
    , m_release(new QPushButton(tr("Release default"), this))
    , m_timer(new QTimer(this))
{
    setAutoFillBackground(true);
    QPalette tinted = palette();
    const bool dark = tinted.color(QPalette::Window).lightness() < 128;
    tinted.setColor(QPalette::Window, dark ? QColor(0x4a, 0x3b, 0x00) : QColor(0xff, 0xf4, 0xc2));
    setPalette(tinted);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setWordWrap(true);
    m_problems->setWordWrap(true);
    m_status->setRange(100, 999);
    m_status->setValue(200);
    m_status->setPrefix(tr("HTTP "));
    m_presets->setText(tr("Fill with…"));
    m_presets->setPopupMode(QToolButton::InstantPopup);
    m_send->setToolTip(tr("Send this answer to the MTA (Ctrl+Enter)"));
    m_release->setToolTip(tr("Let the stage's default answer go out now"));
    m_editor->setLanguage(ResponseEditor::Language::Json);
    m_editor->setReadOnly(false);
    m_editor->setMinimumHeight(120);

    auto *presetMenu = new QMenu(m_presets);
    for (Preset preset : allPresets()) {
        presetMenu->addAction(presetDescription(preset), this, [this, preset] {
            const Document answer = presetAnswer(preset, answerDialect(), m_request);
            m_editor->setText(QString::fromUtf8(answer.toJson(2)));
        });
    }
    m_presets->setMenu(presetMenu);

    auto *head = new QHBoxLayout;
    head->addWidget(m_title, 1);
    head->addWidget(m_countdown);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_presets);
    buttons->addWidget(m_status);
    buttons->addStretch();
    buttons->addWidget(m_release);
    buttons->addWidget(m_send);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(head);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_problems);
    layout->addLayout(buttons);

    connect(m_editor, &ResponseEditor::textChanged, this, &HeldCallPanel::validate);
    connect(m_send, &QPushButton::clicked, this, &HeldCallPanel::send);
    connect(m_release, &QPushButton::clicked, this, &HeldCallPanel::release);
    connect(m_timer, &QTimer::timeout, this, &HeldCallPanel::tick);
    m_timer->setInterval(250);
    clearCall();
}

Dialect HeldCallPanel::answerDialect() const
{
    if (m_request.dialect == Dialect::Stalwart)
        return Dialect::Stalwart;
    const QString suggested = QString::fromUtf8(m_call.suggestedBody).trimmed();
    if (m_request.dialect == Dialect::Draft02 || suggested.startsWith(u'['))
        return Dialect::Draft02;
    return Dialect::Draft01;
}

void HeldCallPanel::showCall(const Mock::HeldCall &call)
{
    m_call = call;
    const Mock::Exchange &exchange = call.exchange;
    m_request = decodeRequest(exchange.requestBody, exchange.requestHeader("Content-Type"));
    m_title->setText(
        tr("Held: %1 from %2 — waiting for your answer")
            .arg(exchange.stageName.isEmpty() ? tr("call") : exchange.stageName,
                exchange.clientIp.isEmpty() ? exchange.peerAddress : exchange.clientIp));
    // The suggested body is shown as JSON even when the MTA speaks CBOR; it is encoded on send.
    Document suggested = Document::fromJson(call.suggestedBody);
    if (!suggested.isValid())
        suggested = Document::fromCbor(call.suggestedBody);
    m_editor->setText(suggested.isValid() ? QString::fromUtf8(suggested.toJson(2))
                                          : QString::fromUtf8(call.suggestedBody));
    m_status->setValue(200);
    setEnabled(true);
    m_timer->start();
    tick();
    validate();
}

void HeldCallPanel::clearCall()
{
    m_call = Mock::HeldCall();
    m_request = HookRequest();
    m_timer->stop();
    m_title->setText(tr("No call is held"));
    m_countdown->clear();
    m_editor->setText(QString());
    m_problems->clear();
    setEnabled(false);
}

void HeldCallPanel::focusEditor()
{
    m_editor->setFocus();
}

void HeldCallPanel::tick()
{
    if (!m_call.deadline.isValid())
        return;
    const qint64 left = Mock::heldSecondsLeft(m_call.deadline, QDateTime::currentDateTimeUtc());
    m_countdown->setText(
        left > 0 ? tr("default answer in %1 s").arg(left) : tr("default answer going out"));
}

void HeldCallPanel::validate()
{
    if (m_call.callId == 0) {
        m_valid = false;
        m_send->setEnabled(false);
        return;
    }
    const Problems problems
        = validateAnswerText(m_editor->text(), answerDialect(), m_request.stage);
    m_valid = !hasErrors(problems);
    m_editor->setProblems(problems);
    QStringList lines;
    for (const Problem &problem : problems) {
        if (lines.size() == 3) {
            lines << tr("… %1 more").arg(problems.size() - 3);
            break;
        }
        lines << severityName(problem.severity) + u"  "_s
                + (problem.pointer.isEmpty() ? QString() : problem.pointer + u"  "_s)
                + problem.message;
    }
    m_problems->setText(lines.isEmpty()
            ? tr("✓ a valid %1 answer").arg(dialectName(answerDialect()))
            : (m_valid ? QString() : tr("Not sent while it has errors:\n")) + lines.join(u'\n'));
    m_send->setEnabled(m_valid);
}

void HeldCallPanel::send()
{
    validate();
    if (!m_valid || m_call.callId == 0)
        return;
    const Document answer = Document::fromJson(m_editor->text().toUtf8());
    const Encoding encoding
        = m_request.encoding == Encoding::Cbor ? Encoding::Cbor : Encoding::Json;
    Q_EMIT sendRequested(m_call.callId, encodeAnswer(answer, answerDialect(), encoding),
        m_status->value(), contentTypeFor(encoding));
}

void HeldCallPanel::release()
{
    if (m_call.callId != 0)
        Q_EMIT releaseRequested(m_call.callId);
}
