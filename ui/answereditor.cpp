// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/answereditor.h"

#include "mock/protocol/document.h"
#include "mock/protocol/presets.h"
#include "mock/protocol/validator.h"
#include "mock/scanner/scriptrunner.h"
#include "ui/widgets/responseeditor.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

enum KindIndex { ScriptIndex = -3, HoldIndex = -2, BodyIndex = -1 };

} // namespace

int scriptErrorLine(const QString &message)
{
    static const QRegularExpression line(u"\\bline (\\d+): "_s);
    const QRegularExpressionMatch match = line.match(message);
    return match.hasMatch() ? match.captured(1).toInt() : 0;
}

Problems validateAnswerText(const QString &text, Dialect dialect, Stage stage)
{
    QString error;
    const Document document = Document::fromJson(text.toUtf8(), &error);
    if (!document.isValid())
        return {{QString(), Severity::Error, u"not valid JSON: "_s + error}};
    return validateResponse(document, dialect, stage);
}

AnswerEditor::AnswerEditor(QWidget *parent)
    : QWidget(parent)
    , m_kind(new QComboBox(this))
    , m_dialect(new QComboBox(this))
    , m_dialectLabel(new QLabel(tr("Validate as"), this))
    , m_templateHelp(
          new QLabel(tr("{{/json/pointer}} is replaced by the request's value there."), this))
    , m_body(new ResponseEditor(this))
    , m_problems(new QLabel(this))
    , m_bodyBox(new QWidget(this))
    , m_status(new QSpinBox(this))
    , m_contentType(new QLineEdit(this))
    , m_delayKind(new QComboBox(this))
    , m_delayMin(new QSpinBox(this))
    , m_delayMax(new QSpinBox(this))
    , m_fault(new QComboBox(this))
    , m_retryAfter(new QSpinBox(this))
{
    for (Preset preset : allPresets())
        m_kind->addItem(presetDescription(preset), int(preset));
    m_kind->addItem(tr("Hand-written body (template)"), int(BodyIndex));
    m_kind->addItem(tr("Hold for me to answer"), int(HoldIndex));
    m_kind->addItem(tr("Script (JavaScript answer(call))"), int(ScriptIndex));
    m_dialect->addItem(u"Stalwart"_s, QVariant::fromValue(Dialect::Stalwart));
    m_dialect->addItem(u"draft-01"_s, QVariant::fromValue(Dialect::Draft01));
    m_dialect->addItem(u"draft-02"_s, QVariant::fromValue(Dialect::Draft02));
    m_body->setLanguage(ResponseEditor::Language::Json);
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::PlainText);
    m_status->setRange(100, 999);
    m_status->setValue(200);
    m_contentType->setPlaceholderText(
        tr("from the request (application/json or application/cbor)"));
    m_delayKind->addItem(tr("No delay"));
    m_delayKind->addItem(tr("Fixed"));
    m_delayKind->addItem(tr("Random range"));
    m_delayKind->addItem(tr("Just past the MTA's timeout"));
    for (QSpinBox *box : {m_delayMin, m_delayMax}) {
        box->setRange(0, 600000);
        box->setSuffix(tr(" ms"));
    }
    for (Mock::Fault fault : Mock::allFaults())
        m_fault->addItem(
            fault == Mock::Fault::None ? tr("No fault") : Mock::faultName(fault), int(fault));
    m_retryAfter->setRange(0, 3600);
    m_retryAfter->setValue(1);
    m_retryAfter->setPrefix(tr("Retry-After "));
    m_retryAfter->setSuffix(tr(" s"));

    auto *bodyLayout = new QVBoxLayout(m_bodyBox);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    auto *dialectRow = new QHBoxLayout;
    m_dialectLabel->setBuddy(m_dialect);
    dialectRow->addWidget(m_dialectLabel);
    dialectRow->addWidget(m_dialect);
    dialectRow->addStretch();
    bodyLayout->addLayout(dialectRow);
    bodyLayout->addWidget(m_body, 1);
    bodyLayout->addWidget(m_problems);
    m_templateHelp->setEnabled(false);
    bodyLayout->addWidget(m_templateHelp);

    auto *delayRow = new QHBoxLayout;
    delayRow->addWidget(m_delayKind);
    delayRow->addWidget(m_delayMin);
    delayRow->addWidget(m_delayMax);
    auto *faultRow = new QHBoxLayout;
    faultRow->addWidget(m_fault);
    faultRow->addWidget(m_retryAfter);

    auto *form = new QFormLayout;
    form->addRow(tr("Answer"), m_kind);
    form->addRow(tr("HTTP status"), m_status);
    form->addRow(tr("Content-Type"), m_contentType);
    form->addRow(tr("Delay"), delayRow);
    form->addRow(tr("Fault"), faultRow);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_bodyBox, 1);

    connect(m_kind, &QComboBox::currentIndexChanged, this, &AnswerEditor::updateKind);
    connect(m_delayKind, &QComboBox::currentIndexChanged, this, &AnswerEditor::updateKind);
    connect(m_fault, &QComboBox::currentIndexChanged, this, &AnswerEditor::updateKind);
    connect(m_dialect, &QComboBox::currentIndexChanged, this, &AnswerEditor::validateBody);
    connect(m_body, &ResponseEditor::textChanged, this, &AnswerEditor::validateBody);
    updateKind();
}

void AnswerEditor::setStage(Stage stage)
{
    m_stage = stage;
    validateBody();
}

void AnswerEditor::setAnswer(const Mock::Answer &answer)
{
    switch (answer.kind) {
    case Mock::Answer::Kind::Preset:
        m_kind->setCurrentIndex(m_kind->findData(int(answer.preset)));
        break;
    case Mock::Answer::Kind::Body:
        m_kind->setCurrentIndex(m_kind->findData(int(BodyIndex)));
        break;
    case Mock::Answer::Kind::Hold:
        m_kind->setCurrentIndex(m_kind->findData(int(HoldIndex)));
        break;
    case Mock::Answer::Kind::Plan: // a script's answer of the moment: its verdict, as a preset
        m_kind->setCurrentIndex(0);
        break;
    case Mock::Answer::Kind::Script:
        m_kind->setCurrentIndex(m_kind->findData(int(ScriptIndex)));
        break;
    }
    m_scriptFile = answer.scriptFile;
    m_scriptFileSource = answer.script;
    const QString body = answer.kind == Mock::Answer::Kind::Script ? answer.script
                                                                   : QString::fromUtf8(answer.body);
    const bool stalwart = body.contains(u"\"action\""_s);
    const bool patch = body.trimmed().startsWith(u'[');
    m_dialect->setCurrentIndex(stalwart ? 0 : (patch ? 2 : 1));
    m_body->setText(body);
    m_status->setValue(answer.httpStatus);
    m_contentType->setText(QString::fromLatin1(answer.contentType));
    m_delayKind->setCurrentIndex(int(answer.delay.kind));
    m_delayMin->setValue(
        answer.delay.kind == Mock::Delay::Kind::Fixed ? answer.delay.ms : answer.delay.minMs);
    m_delayMax->setValue(answer.delay.maxMs);
    m_fault->setCurrentIndex(m_fault->findData(int(answer.fault)));
    m_retryAfter->setValue(answer.retryAfterSeconds);
    updateKind();
}

Mock::Answer AnswerEditor::answer() const
{
    Mock::Answer answer;
    const int kind = m_kind->currentData().toInt();
    if (kind == HoldIndex) {
        answer.kind = Mock::Answer::Kind::Hold;
    } else if (kind == BodyIndex) {
        answer.kind = Mock::Answer::Kind::Body;
        answer.body = m_body->text().toUtf8();
    } else if (kind == ScriptIndex) {
        answer.kind = Mock::Answer::Kind::Script;
        answer.script = m_body->text();
        // Unedited, it stays the rules file's script file; edited, it is written inline.
        if (!m_scriptFile.isEmpty() && answer.script == m_scriptFileSource)
            answer.scriptFile = m_scriptFile;
    } else {
        answer.preset = Preset(kind);
    }
    answer.httpStatus = m_status->value();
    answer.contentType = m_contentType->text().trimmed().toLatin1();
    answer.delay.kind = Mock::Delay::Kind(m_delayKind->currentIndex());
    if (answer.delay.kind == Mock::Delay::Kind::Fixed)
        answer.delay.ms = m_delayMin->value();
    if (answer.delay.kind == Mock::Delay::Kind::Random) {
        answer.delay.minMs = m_delayMin->value();
        answer.delay.maxMs = qMax(m_delayMin->value(), m_delayMax->value());
    }
    answer.fault = Mock::Fault(m_fault->currentData().toInt());
    answer.retryAfterSeconds = m_retryAfter->value();
    return answer;
}

void AnswerEditor::showScriptError(const QString &message)
{
    const int line = scriptErrorLine(message);
    if (line <= 0) {
        m_body->setLineProblems({});
        return;
    }
    m_body->setLineProblems(
        {{line - 1, Problem {QString(), Severity::Error, message, ProblemOrigin::Answer}}});
}

bool AnswerEditor::isValid() const
{
    return m_valid;
}

void AnswerEditor::updateKind()
{
    const int kind = m_kind->currentData().toInt();
    m_bodyBox->setVisible(kind == BodyIndex || kind == ScriptIndex);
    m_dialect->setVisible(kind == BodyIndex);
    // A script is checked by compiling it, and is no template.
    m_dialectLabel->setVisible(kind == BodyIndex);
    m_templateHelp->setVisible(kind == BodyIndex);
    m_body->setLanguage(kind == ScriptIndex ? ResponseEditor::Language::JavaScript
                                            : ResponseEditor::Language::Json);
    const auto delay = Mock::Delay::Kind(m_delayKind->currentIndex());
    m_delayMin->setVisible(delay == Mock::Delay::Kind::Fixed || delay == Mock::Delay::Kind::Random);
    m_delayMax->setVisible(delay == Mock::Delay::Kind::Random);
    m_delayMin->setPrefix(delay == Mock::Delay::Kind::Random ? tr("from ") : QString());
    m_delayMax->setPrefix(tr("to "));
    m_retryAfter->setVisible(Mock::Fault(m_fault->currentData().toInt()) == Mock::Fault::Http503);
    validateBody();
}

void AnswerEditor::validateBody()
{
    bool valid = true;
    if (m_kind->currentData().toInt() == ScriptIndex) {
        // Compiled as the rules file would be; runs against calls only in the endpoint.
        static Mock::ScriptRunner checker;
        const auto problem = checker.check(m_body->text());
        valid = !problem.has_value();
        m_problems->setText(valid ? tr("✓ compiles and defines answer(call)") : *problem);
        m_body->setProblems({});
        // An edit also clears what the last try marked: that error was of the text before it.
        showScriptError(problem.value_or(QString()));
    } else if (m_kind->currentData().toInt() == BodyIndex) {
        const QString text = m_body->text();
        Problems problems;
        if (text.contains(u"{{"_s)) {
            // A template is checked once rendered; here only that it is there.
            m_problems->setText(tr("Template: checked when it is rendered for a request."));
        } else {
            problems = validateAnswerText(text, m_dialect->currentData().value<Dialect>(), m_stage);
            valid = !hasErrors(problems);
            QStringList lines;
            for (const Problem &problem :
                std::as_const(problems).first(qMin<qsizetype>(problems.size(), 4)))
                lines << severityName(problem.severity) + u"  "_s
                        + (problem.pointer.isEmpty() ? QString() : problem.pointer + u"  "_s)
                        + problem.message;
            if (problems.size() > 4)
                lines << tr("… and %1 more").arg(problems.size() - 4);
            m_problems->setText(lines.isEmpty()
                    ? tr("✓ valid %1 answer").arg(m_dialect->currentText())
                    : lines.join(u'\n'));
        }
        m_body->setProblems(problems);
        m_body->setLineProblems({});
        QPalette palette = m_problems->palette();
        palette.setColor(QPalette::WindowText,
            valid ? this->palette().color(QPalette::WindowText) : QColor(0xc0, 0x1c, 0x28));
        m_problems->setPalette(palette);
    }
    if (valid != m_valid) {
        m_valid = valid;
        Q_EMIT validityChanged(valid);
    }
}
