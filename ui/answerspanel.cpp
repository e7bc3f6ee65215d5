// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/answerspanel.h"

#include "mock/scanner/rulebook.h"
#include "ui/answereditor.h"
#include "ui/models/rulesmodel.h"
#include "ui/ruleeditordialog.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QList<Stage> panelStages()
{
    return {Stage::Connect, Stage::Ehlo, Stage::Auth, Stage::Mail, Stage::Rcpt, Stage::Data,
        Stage::Route, Stage::Delivery, Stage::Defer, Stage::Dsn};
}

} // namespace

AnswersPanel::AnswersPanel(Mock::Rulebook *rulebook, QWidget *parent)
    : QWidget(parent)
    , m_rulebook(rulebook)
    , m_rulesModel(new RulesModel(rulebook, this))
    , m_tabs(new QTabWidget(this))
    , m_defaults(new QTableWidget(this))
    , m_rulesView(new QTableView(this))
    , m_trace(new QPlainTextEdit(this))
{
    // Defaults: one column per stage, its default answer above its Hold switch, so that every
    // stage's switch is in view in a panel three rows high.
    m_defaults->setRowCount(2);
    m_defaults->setVerticalHeaderLabels({tr("Default answer"), tr("Hold")});
    m_defaults->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    m_defaults->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_defaults->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_defaults->horizontalHeader()->setMinimumSectionSize(60);
    m_defaults->setSelectionBehavior(QAbstractItemView::SelectColumns);
    m_defaults->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_defaults->setWordWrap(false);
    m_defaults->setToolTip(tr("Double-click a stage to change its default answer; tick Hold to "
                              "stop every call of that stage until you answer it."));
    connect(m_defaults, &QTableWidget::cellDoubleClicked, this,
        [this](int, int column) { editDefault(panelStages().value(column)); });
    refreshDefaults();

    // Rules.
    m_rulesView->setModel(m_rulesModel);
    m_rulesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_rulesView->setSelectionMode(QAbstractItemView::SingleSelection);
    // The conditions and the answer get the width; the switch and the count only what they need.
    QHeaderView *rulesHeader = m_rulesView->horizontalHeader();
    rulesHeader->setStretchLastSection(false);
    rulesHeader->setSectionResizeMode(RulesModel::EnabledColumn, QHeaderView::ResizeToContents);
    rulesHeader->setSectionResizeMode(RulesModel::NameColumn, QHeaderView::Interactive);
    rulesHeader->setSectionResizeMode(RulesModel::WhenColumn, QHeaderView::Stretch);
    rulesHeader->setSectionResizeMode(RulesModel::AnswerColumn, QHeaderView::Stretch);
    rulesHeader->setSectionResizeMode(RulesModel::HitsColumn, QHeaderView::ResizeToContents);
    m_rulesView->setColumnWidth(
        RulesModel::NameColumn, fontMetrics().horizontalAdvance(u"M"_s) * 14);
    m_rulesView->verticalHeader()->hide();
    m_rulesView->setDragDropMode(QAbstractItemView::InternalMove);
    connect(m_rulesView, &QTableView::doubleClicked, this,
        [this](const QModelIndex &index) { editRule(index.row()); });
    auto button = [this](const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    QToolButton *add = button(tr("Add…"), tr("Add a rule above the stage defaults"));
    QToolButton *edit = button(tr("Edit…"), tr("Edit the selected rule"));
    QToolButton *remove = button(tr("Remove"), tr("Remove the selected rule"));
    QToolButton *up = button(tr("Up"), tr("Move up: rules are tried from the top"));
    QToolButton *down = button(tr("Down"), tr("Move down"));
    QToolButton *load = button(tr("Load…"), tr("Load a rules file"));
    QToolButton *save = button(tr("Save…"), tr("Save the rules to a file"));
    connect(add, &QToolButton::clicked, this, &AnswersPanel::addRule);
    connect(edit, &QToolButton::clicked, this, [this] { editRule(selectedRule()); });
    connect(remove, &QToolButton::clicked, this, [this] {
        const int row = selectedRule();
        if (row >= 0)
            m_rulebook->removeRule(row);
    });
    connect(up, &QToolButton::clicked, this, [this] {
        const int row = selectedRule();
        if (row > 0) {
            m_rulebook->moveRule(row, row - 1);
            m_rulesView->selectRow(row - 1);
        }
    });
    connect(down, &QToolButton::clicked, this, [this] {
        const int row = selectedRule();
        if (row >= 0 && row + 1 < m_rulebook->rules().size()) {
            m_rulebook->moveRule(row, row + 1);
            m_rulesView->selectRow(row + 1);
        }
    });
    connect(load, &QToolButton::clicked, this, &AnswersPanel::loadRules);
    connect(save, &QToolButton::clicked, this, &AnswersPanel::saveRules);
    auto *rulesPage = new QWidget(this);
    auto *rulesButtons = new QHBoxLayout;
    for (QToolButton *b : {add, edit, remove, up, down})
        rulesButtons->addWidget(b);
    rulesButtons->addStretch();
    rulesButtons->addWidget(load);
    rulesButtons->addWidget(save);
    auto *rulesLayout = new QVBoxLayout(rulesPage);
    rulesLayout->setContentsMargins(2, 2, 2, 2);
    rulesLayout->addLayout(rulesButtons);
    rulesLayout->addWidget(m_rulesView, 1);

    m_trace->setReadOnly(true);
    m_trace->setPlaceholderText(tr("Select a call to see which rule answered it and why the rules "
                                   "above it did not."));

    m_tabs->addTab(m_defaults, tr("Stage defaults"));
    m_tabs->addTab(rulesPage, tr("Rules"));
    m_tabs->addTab(m_trace, tr("Match trace"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);

    connect(m_rulebook, &Mock::Rulebook::changed, this, &AnswersPanel::refreshDefaults);
}

void AnswersPanel::refreshDefaults()
{
    m_refreshing = true;
    const QList<Stage> stages = panelStages();
    m_defaults->setColumnCount(int(stages.size()));
    for (int column = 0; column < stages.size(); ++column) {
        const Stage stage = stages[column];
        m_defaults->setHorizontalHeaderItem(column, new QTableWidgetItem(stageName(stage)));
        const QString answerText = m_rulebook->defaultAnswer(stage).describe();
        auto *answer = new QTableWidgetItem(answerText);
        answer->setToolTip(answerText);
        m_defaults->setItem(0, column, answer);
        QWidget *existing = m_defaults->cellWidget(1, column);
        auto *hold = existing ? existing->findChild<QCheckBox *>() : nullptr;
        if (!hold) {
            // Centred in its cell: a plain widget around the box.
            auto *cell = new QWidget(m_defaults);
            auto *cellLayout = new QHBoxLayout(cell);
            cellLayout->setContentsMargins(0, 0, 0, 0);
            cellLayout->setAlignment(Qt::AlignCenter);
            hold = new QCheckBox(cell);
            hold->setObjectName(u"hold-"_s + stageName(stage));
            hold->setToolTip(tr("Hold every %1 call until you answer it").arg(stageName(stage)));
            cellLayout->addWidget(hold);
            connect(hold, &QCheckBox::toggled, this, [this, stage](bool on) {
                if (!m_refreshing)
                    m_rulebook->setHeld(stage, on);
            });
            m_defaults->setCellWidget(1, column, cell);
        }
        hold->setChecked(m_rulebook->isHeld(stage));
    }
    m_refreshing = false;
}

void AnswersPanel::editDefault(Stage stage)
{
    if (stage == Stage::Unknown)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Default answer at %1").arg(stageName(stage)));
    auto *editor = new AnswerEditor(&dialog);
    editor->setStage(stage);
    editor->setAnswer(m_rulebook->defaultAnswer(stage));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(editor, &AnswerEditor::validityChanged, buttons->button(QDialogButtonBox::Ok),
        &QPushButton::setEnabled);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(editor, 1);
    layout->addWidget(buttons);
    dialog.resize(640, 480);
    if (dialog.exec() == QDialog::Accepted)
        m_rulebook->setDefaultAnswer(stage, editor->answer());
}

int AnswersPanel::selectedRule() const
{
    const QModelIndexList rows = m_rulesView->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.constFirst().row();
}

void AnswersPanel::addRule()
{
    Mock::Rule rule;
    rule.name = tr("Rule %1").arg(m_rulebook->rules().size() + 1);
    rule.answer = Mock::Answer::fromPreset(Preset::Reject);
    RuleEditorDialog dialog(rule, this);
    dialog.setTryContext(m_rulebook, m_selectedCall);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_rulebook->insertRule(int(m_rulebook->rules().size()), dialog.rule());
    m_rulesView->selectRow(int(m_rulebook->rules().size()) - 1);
    m_tabs->setCurrentIndex(1);
}

void AnswersPanel::editRule(int row)
{
    const QList<Mock::Rule> rules = m_rulebook->rules();
    if (row < 0 || row >= rules.size())
        return;
    RuleEditorDialog dialog(rules.at(row), this);
    dialog.setTryContext(m_rulebook, m_selectedCall);
    if (dialog.exec() == QDialog::Accepted)
        m_rulebook->replaceRule(row, dialog.rule());
}

void AnswersPanel::loadRules()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Load rules"), QString(), tr("Hookscope rules (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_rulebook->load(path, &error))
        QMessageBox::warning(this, tr("Load rules"), error);
    else
        Q_EMIT statusMessage(tr("Rules loaded from %1").arg(path));
}

void AnswersPanel::saveRules()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save rules"), u"rules.json"_s, tr("Hookscope rules (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!m_rulebook->save(path, &error))
        QMessageBox::warning(this, tr("Save rules"), error);
    else
        Q_EMIT statusMessage(tr("Rules saved to %1").arg(path));
}

void AnswersPanel::showMatchTrace(const Mock::Exchange &exchange)
{
    if (exchange.id == 0 && exchange.ruleName.isEmpty()) {
        m_trace->clear();
        return;
    }
    QStringList lines;
    lines << tr("Answered by: %1")
                 .arg(exchange.ruleName.isEmpty() ? tr("(none)") : exchange.ruleName);
    if (!exchange.ruleReason.isEmpty())
        lines << tr("Because: %1").arg(exchange.ruleReason);
    if (!exchange.matchTrace.isEmpty()) {
        lines << QString() << tr("Rules above it, and why they did not answer:");
        for (const QString &line : exchange.matchTrace)
            lines << u"  • "_s + line;
    } else if (exchange.kind == Mock::ExchangeKind::Hook) {
        lines << QString() << tr("No rule was tried before it.");
    }
    m_trace->setPlainText(lines.join(u'\n'));
}
