// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/scanner/rule.h"
#include "ui/scripttrypane.h"

#include <QDialog>
#include <QHash>

class AnswerEditor;
class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace Mock {
class Rulebook;
}

// One rule: a name, when it applies (every condition given must hold) and what it answers.
class RuleEditorDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RuleEditorDialog)

public:
    explicit RuleEditorDialog(const Mock::Rule &rule, QWidget *parent = nullptr);
    Mock::Rule rule() const;
    // Enables "Try on the selected call": the live rules' settings, and the window's selection.
    void setTryContext(const Mock::Rulebook *rulebook, SelectedCall selectedCall);
    ScriptTryPane *tryPane() const { return m_try; }
    AnswerEditor *answerEditor() const { return m_answer; }

private:
    void validate();

    QLineEdit *m_name;
    QCheckBox *m_enabled;
    QHash<MtaHooks::Stage, QCheckBox *> m_stages;
    QComboBox *m_dialect;
    QLineEdit *m_pointer;
    QLineEdit *m_equals;
    QLineEdit *m_matches;
    QLineEdit *m_from;
    QLineEdit *m_to;
    QLineEdit *m_headerName;
    QLineEdit *m_headerContains;
    QSpinBox *m_minSize;
    QSpinBox *m_maxSize;
    QSpinBox *m_times;
    AnswerEditor *m_answer;
    ScriptTryPane *m_try;
    Mock::Rule m_original;
};
