// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/hookrequest.h"
#include "mock/scanner/heldcall.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QSpinBox;
class QTimer;
class QToolButton;
class ResponseEditor;

// The answer editor of a held call (a breakpoint): prefilled with what the rules would have
// answered, validated live against the request's dialect, with a countdown to the moment the
// stage's default answer goes out by itself. An invalid answer is flagged and cannot be sent.
class HeldCallPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeldCallPanel)

public:
    explicit HeldCallPanel(QWidget *parent = nullptr);

    void showCall(const Mock::HeldCall &call);
    void clearCall();
    qint64 callId() const { return m_call.callId; }
    bool isAnswerValid() const { return m_valid; }
    ResponseEditor *editor() const { return m_editor; }
    QPushButton *sendButton() const { return m_send; }

public Q_SLOTS:
    void send();
    void release();
    void focusEditor();

Q_SIGNALS:
    void sendRequested(
        qint64 callId, const QByteArray &body, int httpStatus, const QByteArray &contentType);
    void releaseRequested(qint64 callId);

private:
    void validate();
    void tick();
    MtaHooks::Dialect answerDialect() const;

    Mock::HeldCall m_call;
    MtaHooks::HookRequest m_request;
    QLabel *m_title;
    QLabel *m_countdown;
    ResponseEditor *m_editor;
    QLabel *m_problems;
    QSpinBox *m_status;
    QToolButton *m_presets;
    QPushButton *m_send;
    QPushButton *m_release;
    QTimer *m_timer;
    bool m_valid = false;
};
