// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"
#include "mock/scanner/rule.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;
class ResponseEditor;

// Edits one Mock::Answer: a preset, a hand-written body (validated live against the chosen
// dialect), or "hold"; plus HTTP status, delay and fault.
class AnswerEditor final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnswerEditor)

public:
    explicit AnswerEditor(QWidget *parent = nullptr);

    void setAnswer(const Mock::Answer &answer);
    Mock::Answer answer() const;
    void setStage(MtaHooks::Stage stage); // what the live validation checks against
    bool isValid() const; // false when a custom body has errors for the chosen dialect
    // Marks a script's error on its line ("… line 3: Error: …"); the next edit clears it.
    void showScriptError(const QString &message);
    ResponseEditor *bodyEditor() const { return m_body; }

Q_SIGNALS:
    void validityChanged(bool valid);

private:
    void updateKind();
    void validateBody();

    QComboBox *m_kind;
    QComboBox *m_dialect;
    QLabel *m_dialectLabel;
    QLabel *m_templateHelp;
    ResponseEditor *m_body;
    QLabel *m_problems;
    QWidget *m_bodyBox;
    QSpinBox *m_status;
    QLineEdit *m_contentType;
    QComboBox *m_delayKind;
    QSpinBox *m_delayMin;
    QSpinBox *m_delayMax;
    QComboBox *m_fault;
    QSpinBox *m_retryAfter;
    MtaHooks::Stage m_stage = MtaHooks::Stage::Unknown;
    bool m_valid = true;
    QString m_scriptFile; // the rules file's name for the script shown, while it is unedited
    QString m_scriptFileSource;
};

// The script line (1-based) an error message names ("line 3: TypeError: …"); 0 when none.
int scriptErrorLine(const QString &message);

// Validates a hand-written answer text for a dialect and stage: the problems (JSON syntax
// included) and whether it may be sent.
MtaHooks::Problems validateAnswerText(
    const QString &text, MtaHooks::Dialect dialect, MtaHooks::Stage stage);
