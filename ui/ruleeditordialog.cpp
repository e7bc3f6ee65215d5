// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/ruleeditordialog.h"

#include "ui/answereditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

RuleEditorDialog::RuleEditorDialog(const Mock::Rule &rule, QWidget *parent)
    : QDialog(parent)
    , m_name(new QLineEdit(rule.name, this))
    , m_enabled(new QCheckBox(tr("Enabled"), this))
    , m_dialect(new QComboBox(this))
    , m_pointer(new QLineEdit(rule.when.pointer, this))
    , m_equals(new QLineEdit(rule.when.equals, this))
    , m_matches(new QLineEdit(rule.when.matches, this))
    , m_from(new QLineEdit(rule.when.fromGlob, this))
    , m_to(new QLineEdit(rule.when.toGlob, this))
    , m_headerName(new QLineEdit(rule.when.headerName, this))
    , m_headerContains(new QLineEdit(rule.when.headerContains, this))
    , m_minSize(new QSpinBox(this))
    , m_maxSize(new QSpinBox(this))
    , m_times(new QSpinBox(this))
    , m_answer(new AnswerEditor(this))
    , m_try(new ScriptTryPane(this))
    , m_original(rule)
{
    setWindowTitle(rule.name.isEmpty() ? tr("New rule") : tr("Rule “%1”").arg(rule.name));
    m_enabled->setChecked(rule.enabled);
    m_name->setPlaceholderText(tr("e.g. reject spam at data"));
    m_dialect->addItem(tr("any dialect"), QVariant::fromValue(Dialect::Unknown));
    m_dialect->addItem(u"Stalwart"_s, QVariant::fromValue(Dialect::Stalwart));
    m_dialect->addItem(u"draft-01"_s, QVariant::fromValue(Dialect::Draft01));
    m_dialect->addItem(u"draft-02"_s, QVariant::fromValue(Dialect::Draft02));
    m_dialect->setCurrentIndex(
        qMax(0, m_dialect->findData(QVariant::fromValue(rule.when.dialect))));
    m_pointer->setPlaceholderText(u"/message/subject"_s);
    m_equals->setPlaceholderText(tr("equals (text)"));
    m_matches->setPlaceholderText(tr("or matches (regular expression)"));
    m_from->setPlaceholderText(u"*@example.org"_s);
    m_to->setPlaceholderText(u"postmaster@*"_s);
    m_headerName->setPlaceholderText(u"Subject"_s);
    m_headerContains->setPlaceholderText(tr("contains"));
    for (QSpinBox *box : {m_minSize, m_maxSize}) {
        box->setRange(-1, std::numeric_limits<int>::max());
        box->setSpecialValueText(tr("open"));
        box->setSuffix(tr(" bytes"));
    }
    m_minSize->setValue(int(qMin<qint64>(rule.when.minSize, std::numeric_limits<int>::max())));
    m_maxSize->setValue(int(qMin<qint64>(rule.when.maxSize, std::numeric_limits<int>::max())));
    m_times->setRange(0, 1000000);
    m_times->setSpecialValueText(tr("always"));
    m_times->setValue(rule.when.times);

    auto *stagesBox = new QGroupBox(tr("Stages (none ticked: any)"), this);
    auto *stagesGrid = new QGridLayout(stagesBox);
    const QList<Stage> stages = inboundStages() + outboundStages();
    for (int i = 0; i < stages.size(); ++i) {
        auto *box = new QCheckBox(stageName(stages[i]), stagesBox);
        box->setChecked(rule.when.stages.contains(stages[i]));
        m_stages.insert(stages[i], box);
        stagesGrid->addWidget(box, i / 5, i % 5);
    }

    auto *pointerRow = new QHBoxLayout;
    pointerRow->addWidget(m_pointer, 2);
    pointerRow->addWidget(m_equals, 2);
    pointerRow->addWidget(m_matches, 2);
    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_headerName, 1);
    headerRow->addWidget(m_headerContains, 2);
    auto *sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_minSize);
    sizeRow->addWidget(m_maxSize);

    auto *when = new QGroupBox(tr("When"), this);
    auto *form = new QFormLayout(when);
    form->addRow(stagesBox);
    form->addRow(tr("Dialect"), m_dialect);
    form->addRow(tr("JSON Pointer"), pointerRow);
    form->addRow(tr("Envelope sender"), m_from);
    form->addRow(tr("A recipient"), m_to);
    form->addRow(tr("Header"), headerRow);
    form->addRow(tr("Message size"), sizeRow);
    form->addRow(tr("Only the first"), m_times);

    auto *answerBox = new QGroupBox(tr("Answer"), this);
    auto *answerLayout = new QVBoxLayout(answerBox);
    answerLayout->addWidget(m_answer);
    m_answer->setAnswer(rule.answer);

    auto *top = new QFormLayout;
    top->addRow(tr("Name"), m_name);
    top->addRow(QString(), m_enabled);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // The rule on the left, what it makes of the selected call on the right.
    auto *editSide = new QWidget(this);
    auto *editLayout = new QVBoxLayout(editSide);
    editLayout->setContentsMargins(0, 0, 0, 0);
    editLayout->addLayout(top);
    editLayout->addWidget(when);
    editLayout->addWidget(answerBox, 1);
    auto *tryBox = new QGroupBox(tr("Try"), this);
    auto *tryLayout = new QVBoxLayout(tryBox);
    tryLayout->addWidget(m_try);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(editSide);
    splitter->addWidget(tryBox);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(buttons);
    resize(1200, 760);
    connect(m_try, &ScriptTryPane::scriptErrorChanged, m_answer, &AnswerEditor::showScriptError);

    connect(m_answer, &AnswerEditor::validityChanged, this, &RuleEditorDialog::validate);
    connect(m_pointer, &QLineEdit::textChanged, this, &RuleEditorDialog::validate);
    connect(m_matches, &QLineEdit::textChanged, this, &RuleEditorDialog::validate);
    validate();
}

void RuleEditorDialog::setTryContext(const Mock::Rulebook *rulebook, SelectedCall selectedCall)
{
    m_try->setContext(rulebook, std::move(selectedCall), [this] { return rule(); });
}

void RuleEditorDialog::validate()
{
    bool ok = m_answer->isValid();
    const QString pointer = m_pointer->text().trimmed();
    ok = ok && (pointer.isEmpty() || pointer.startsWith(u'/'));
    ok = ok && QRegularExpression(m_matches->text()).isValid();
    if (auto *buttons = findChild<QDialogButtonBox *>())
        buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

Mock::Rule RuleEditorDialog::rule() const
{
    Mock::Rule rule = m_original;
    rule.name = m_name->text().trimmed();
    rule.enabled = m_enabled->isChecked();
    rule.when.stages.clear();
    for (Stage stage : inboundStages() + outboundStages()) {
        if (m_stages.value(stage)->isChecked())
            rule.when.stages.append(stage);
    }
    rule.when.dialect = m_dialect->currentData().value<Dialect>();
    rule.when.pointer = m_pointer->text().trimmed();
    rule.when.equals = m_equals->text();
    rule.when.matches = m_matches->text();
    rule.when.fromGlob = m_from->text().trimmed();
    rule.when.toGlob = m_to->text().trimmed();
    rule.when.headerName = m_headerName->text().trimmed();
    rule.when.headerContains = m_headerContains->text();
    rule.when.minSize = m_minSize->value();
    rule.when.maxSize = m_maxSize->value();
    rule.when.times = m_times->value();
    rule.answer = m_answer->answer();
    return rule;
}
