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
    // Defaults: one row per stage.
    m_defaults->setColumnCount(3);
    m_defaults->setHorizontalHeaderLabels({tr("Stage"), tr("Default answer"), tr("Hold")});
    m_defaults->verticalHeader()->hide();
    m_defaults->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);
    m_defaults->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_defaults->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_defaults->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_defaults->setToolTip(tr("Double-click a stage to change its default answer; tick Hold to "
                              "stop every call of that stage until you answer it."));
    connect(m_defaults, &QTableWidget::cellDoubleClicked, this,
        [this](int row, int) { editDefault(panelStages().value(row)); });
    refreshDefaults();

    // Rules.
    m_rulesView->setModel(m_rulesModel);
    m_rulesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_rulesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_rulesView->horizontalHeader()->setStretchLastSection(true);
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
    m_defaults->setRowCount(int(stages.size()));
    for (int row = 0; row < stages.size(); ++row) {
        const Stage stage = stages[row];
        auto *name = new QTableWidgetItem(stageName(stage));
        auto *answer = new QTableWidgetItem(m_rulebook->defaultAnswer(stage).describe());
        m_defaults->setItem(row, 0, name);
        m_defaults->setItem(row, 1, answer);
        auto *hold = qobject_cast<QCheckBox *>(m_defaults->cellWidget(row, 2));
        if (!hold) {
            hold = new QCheckBox(m_defaults);
            hold->setToolTip(tr("Hold every %1 call until you answer it").arg(stageName(stage)));
            connect(hold, &QCheckBox::toggled, this, [this, stage](bool on) {
                if (!m_refreshing)
                    m_rulebook->setHeld(stage, on);
            });
            m_defaults->setCellWidget(row, 2, hold);
        }
        hold->setChecked(m_rulebook->isHeld(stage));
    }
    m_defaults->resizeColumnToContents(0);
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
