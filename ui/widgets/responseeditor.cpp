// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/responseeditor.h"

#include "ui/models/verdictstyle.h"
#include "ui/widgets/jsonlocator.h"
#include "ui/widgets/responseeditor_p.h"

#include <QApplication>
#include <QEvent>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QIcon>
#include <QStyle>
#include <QToolTip>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace ResponseEditorDetail;
using MtaHooks::Severity;

namespace {

enum Margin { LineNumberMargin, ProblemMargin, FoldMargin };

// Beyond this size the caret's pointer is not worked out on every cursor move (each lookup scans
// the text).
constexpr qsizetype PointerLabelLimit = 4 * 1024 * 1024;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor mix(const QColor &a, const QColor &b, qreal ratio)
{
    return QColor::fromRgbF(a.redF() * (1 - ratio) + b.redF() * ratio,
        a.greenF() * (1 - ratio) + b.greenF() * ratio, a.blueF() * (1 - ratio) + b.blueF() * ratio);
}

QColor severityColor(Severity severity, bool dark)
{
    switch (severity) {
    case Severity::Info:
        return dark ? QColor(0x6c, 0xb6, 0xff) : QColor(0x1a, 0x5f, 0xb4);
    case Severity::Warning:
        return dark ? QColor(0xf0, 0xb4, 0x29) : QColor(0xb3, 0x6b, 0x00);
    case Severity::Error:
        return dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc0, 0x1c, 0x28);
    }
    return {};
}

// Colours for a light and a dark base; the roles are the same across lexers.
struct SyntaxColors
{
    QColor key, string, number, keyword, escape, error, comment, hunk, header;
};

SyntaxColors syntaxColors(bool dark)
{
    if (dark)
        return {QColor(0x9c, 0xdc, 0xfe), QColor(0xce, 0x91, 0x78), QColor(0xb5, 0xce, 0xa8),
            QColor(0x56, 0x9c, 0xd6), QColor(0xd7, 0xba, 0x7d), QColor(0xf4, 0x87, 0x71),
            QColor(0x6a, 0x99, 0x55), QColor(0xc5, 0x86, 0xc0), QColor(0xdc, 0xdc, 0xaa)};
    return {QColor(0x04, 0x51, 0xa5), QColor(0xa3, 0x15, 0x15), QColor(0x09, 0x86, 0x58),
        QColor(0x00, 0x00, 0xff), QColor(0xee, 0x00, 0x00), QColor(0xcd, 0x31, 0x31),
        QColor(0x00, 0x80, 0x00), QColor(0x6f, 0x42, 0xc1), QColor(0x79, 0x5e, 0x26)};
}

} // namespace

ResponseEditor::ResponseEditor(QWidget *parent)
    : QWidget(parent)
    , m_editor(new QsciScintilla(this))
    , d(std::make_unique<Private>())
{
    d->note = new QLabel(this);
    d->note->setVisible(false);
    d->note->setWordWrap(true);
    d->note->setContentsMargins(6, 3, 6, 3);
    d->note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    d->pointerLabel = new QLabel(this);
    d->pointerLabel->setContentsMargins(6, 1, 6, 1);
    d->pointerLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    d->pointerLabel->setToolTip(tr("The JSON Pointer (RFC 6901) of the value at the cursor: the "
                                   "path a draft answer uses to change it"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(d->note);
    layout->addWidget(m_editor, 1);
    layout->addWidget(d->pointerLabel);

    d->json = new QsciLexerJSON(this);
    d->json->setFoldCompact(false);
    d->diff = new QsciLexerDiff(this);
    // Debian's QScintilla has no HTTP lexer; the properties lexer styles "Name: value" lines.
    d->http = new QsciLexerProperties(this);
    d->javaScript = new QsciLexerJavaScript(this);

    m_editor->setUtf8(true);
    m_editor->setWrapMode(QsciScintilla::WrapNone);
    m_editor->setTabWidth(2);
    m_editor->setIndentationsUseTabs(false);
    m_editor->setBraceMatching(QsciScintilla::SloppyBraceMatch);
    m_editor->setMarginType(LineNumberMargin, QsciScintilla::NumberMargin);
    m_editor->setMarginLineNumbers(LineNumberMargin, true);
    m_editor->setMarginType(ProblemMargin, QsciScintilla::SymbolMargin);
    m_editor->setMarginWidth(ProblemMargin, 18);
    int mask = 0;
    for (int marker : MarkerNumbers)
        mask |= 1 << marker;
    m_editor->setMarginMarkerMask(ProblemMargin, mask);
    m_editor->setMarginMarkerMask(LineNumberMargin, 0);
    m_editor->setAnnotationDisplay(QsciScintilla::AnnotationBoxed);
    for (int i = 0; i < 3; ++i) {
        m_editor->indicatorDefine(
            i == 0 ? QsciScintilla::DotsIndicator : QsciScintilla::SquiggleIndicator,
            IndicatorNumbers[i]);
        m_editor->setIndicatorDrawUnder(false, IndicatorNumbers[i]);
    }
    // Tooltips for problems: Scintilla reports the mouse resting over a position.
    m_editor->SendScintilla(QsciScintillaBase::SCI_SETMOUSEDWELLTIME, 400);
    connect(m_editor, &QsciScintillaBase::SCN_DWELLSTART, this,
        [this](int position, int x, int y) { showDwellTip(position, x, y); });
    connect(m_editor, &QsciScintillaBase::SCN_DWELLEND, this,
        [](int, int, int) { QToolTip::hideText(); });
    connect(m_editor, &QsciScintilla::textChanged, this, &ResponseEditor::textChanged);
    connect(m_editor, &QsciScintilla::cursorPositionChanged, this,
        [this](int, int) { updatePointerLabel(); });

    applyLanguage();
    updatePointerLabel();
}

ResponseEditor::~ResponseEditor() = default;

void ResponseEditor::setLanguage(Language language)
{
    if (language == m_language)
        return;
    m_language = language;
    applyLanguage();
    applyProblems();
    updatePointerLabel();
}

void ResponseEditor::setReadOnly(bool readOnly)
{
    m_editor->setReadOnly(readOnly);
    m_editor->setCaretLineVisible(!readOnly);
}

bool ResponseEditor::isReadOnly() const
{
    return m_editor->isReadOnly();
}

void ResponseEditor::setText(const QString &text)
{
    clearProblemMarks();
    // A fresh undo history: otherwise Ctrl+Z in an editable view brings back the previous text.
    m_editor->setText(text);
    m_editor->SendScintilla(QsciScintillaBase::SCI_EMPTYUNDOBUFFER);
    // Line numbers up to the document's size, plus one digit of slack.
    m_editor->setMarginWidth(
        LineNumberMargin, QString(QString::number(m_editor->lines()).size() + 1, u'9'));
    m_editor->setCursorPosition(0, 0);
    updatePointerLabel();
}

QString ResponseEditor::text() const
{
    return m_editor->text();
}

bool ResponseEditor::jumpToPointer(const QString &pointer)
{
    if (m_language != Language::Json)
        return false;
    const QByteArrayView bytes = documentBytes(m_editor);
    const JsonSpan span = JsonLocator(bytes).locate(pointer);
    if (!span.isValid())
        return false;
    const int start = int(span.hasKey() ? span.keyStart : span.valueStart);
    const int end = int(span.valueEnd);
    const int firstLine
        = int(m_editor->SendScintilla(QsciScintillaBase::SCI_LINEFROMPOSITION, start));
    const int lastLine = int(m_editor->SendScintilla(QsciScintillaBase::SCI_LINEFROMPOSITION, end));
    for (int line = firstLine; line <= lastLine; ++line)
        m_editor->SendScintilla(QsciScintillaBase::SCI_ENSUREVISIBLE, line);
    // Select the value, but keep the caret at its start (anchor at the end) so that a long object
    // scrolls to where it begins; the member name is kept in view.
    m_editor->SendScintilla(QsciScintillaBase::SCI_SETSEL, end, int(span.valueStart));
    m_editor->SendScintilla(QsciScintillaBase::SCI_SCROLLRANGE, start, int(span.valueStart));
    m_editor->setFocus(Qt::OtherFocusReason);
    return true;
}

QString ResponseEditor::jumpToNearestPointer(const QString &pointer)
{
    if (m_language != Language::Json)
        return {};
    QString found;
    const QByteArrayView bytes = documentBytes(m_editor);
    if (!JsonLocator(bytes).locateNearest(pointer, &found).isValid())
        return {};
    return jumpToPointer(found) ? found : QString();
}

QString ResponseEditor::pointerAt(int position) const
{
    if (m_language != Language::Json)
        return {};
    const QByteArrayView bytes = documentBytes(m_editor);
    return JsonLocator(bytes).pointerAt(position);
}

void ResponseEditor::setNote(const QString &note)
{
    d->note->setText(note);
    d->note->setVisible(!note.isEmpty());
}

QString ResponseEditor::note() const
{
    return d->note->text();
}

void ResponseEditor::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyPalette();
}

void ResponseEditor::applyLanguage()
{
    switch (m_language) {
    case Language::Json:
        m_editor->setLexer(d->json);
        break;
    case Language::Diff:
        m_editor->setLexer(d->diff);
        break;
    case Language::Http:
        m_editor->setLexer(d->http);
        break;
    case Language::JavaScript:
        m_editor->setLexer(d->javaScript);
        break;
    case Language::Text:
        m_editor->setLexer(nullptr);
        break;
    }
    const bool folding = m_language == Language::Json || m_language == Language::Diff
        || m_language == Language::JavaScript;
    m_editor->setFolding(
        folding ? QsciScintilla::BoxedTreeFoldStyle : QsciScintilla::NoFoldStyle, FoldMargin);
    d->pointerLabel->setVisible(m_language == Language::Json);
    applyPalette();
}

// QScintilla's lexers come with fixed light colours; on a dark theme they paint black text on a
// white page inside a dark window. Every colour is derived from the widget's palette instead.
void ResponseEditor::applyPalette()
{
    const QPalette pal = palette();
    const bool dark = isDark(pal);
    const SyntaxColors colors = syntaxColors(dark);
    const DiffTints tints = diffTints(pal);
    const QColor base = pal.color(QPalette::Base);
    const QColor text = pal.color(QPalette::Text);
    const QColor window = pal.color(QPalette::Window);
    QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    for (QsciLexer *lexer : {static_cast<QsciLexer *>(d->json), static_cast<QsciLexer *>(d->diff),
             static_cast<QsciLexer *>(d->http), static_cast<QsciLexer *>(d->javaScript)}) {
        lexer->setDefaultPaper(base);
        lexer->setDefaultColor(text);
        lexer->setDefaultFont(font);
        lexer->setPaper(base, -1);
        lexer->setColor(text, -1);
        lexer->setFont(font, -1);
        lexer->setEolFill(false, -1);
    }
    d->json->setColor(colors.key, QsciLexerJSON::Property);
    d->json->setColor(colors.string, QsciLexerJSON::String);
    d->json->setColor(colors.string, QsciLexerJSON::IRI);
    d->json->setColor(colors.string, QsciLexerJSON::IRICompact);
    d->json->setColor(colors.number, QsciLexerJSON::Number);
    d->json->setColor(colors.keyword, QsciLexerJSON::Keyword);
    d->json->setColor(colors.keyword, QsciLexerJSON::KeywordLD);
    d->json->setColor(colors.escape, QsciLexerJSON::EscapeSequence);
    d->json->setColor(colors.error, QsciLexerJSON::Error);
    d->json->setColor(colors.error, QsciLexerJSON::UnclosedString);
    d->json->setColor(colors.comment, QsciLexerJSON::CommentLine);
    d->json->setColor(colors.comment, QsciLexerJSON::CommentBlock);

    // Whole-line tints make a diff readable at a glance (added green, removed red).
    for (int style : {int(QsciLexerDiff::LineAdded), int(QsciLexerDiff::AddingPatchAdded),
             int(QsciLexerDiff::RemovingPatchAdded)}) {
        d->diff->setPaper(tints.added, style);
        d->diff->setEolFill(true, style);
    }
    for (int style : {int(QsciLexerDiff::LineRemoved), int(QsciLexerDiff::AddingPatchRemoved),
             int(QsciLexerDiff::RemovingPatchRemoved)}) {
        d->diff->setPaper(tints.removed, style);
        d->diff->setEolFill(true, style);
    }
    d->diff->setColor(colors.hunk, QsciLexerDiff::Position);
    d->diff->setColor(colors.header, QsciLexerDiff::Header);
    d->diff->setColor(colors.comment, QsciLexerDiff::Comment);
    d->diff->setColor(colors.keyword, QsciLexerDiff::Command);
    QFont bold = font;
    bold.setBold(true);
    d->diff->setFont(bold, QsciLexerDiff::Header);
    d->diff->setFont(bold, QsciLexerDiff::Comment);

    d->javaScript->setColor(colors.keyword, QsciLexerJavaScript::Keyword);
    d->javaScript->setColor(colors.string, QsciLexerJavaScript::DoubleQuotedString);
    d->javaScript->setColor(colors.string, QsciLexerJavaScript::SingleQuotedString);
    d->javaScript->setColor(colors.string, QsciLexerJavaScript::Regex);
    d->javaScript->setColor(colors.number, QsciLexerJavaScript::Number);
    d->javaScript->setColor(colors.comment, QsciLexerJavaScript::Comment);
    d->javaScript->setColor(colors.comment, QsciLexerJavaScript::CommentLine);
    d->javaScript->setColor(colors.comment, QsciLexerJavaScript::CommentDoc);
    d->javaScript->setColor(colors.error, QsciLexerJavaScript::UnclosedString);

    d->http->setColor(colors.key, QsciLexerProperties::Key);
    d->http->setColor(colors.comment, QsciLexerProperties::Comment);
    d->http->setColor(colors.keyword, QsciLexerProperties::Section);
    d->http->setColor(colors.string, QsciLexerProperties::DefaultValue);

    if (m_language == Language::Text) {
        m_editor->setPaper(base);
        m_editor->setColor(text);
        m_editor->setFont(font);
    }
    m_editor->setMarginsBackgroundColor(window);
    m_editor->setMarginsForegroundColor(pal.color(QPalette::PlaceholderText));
    m_editor->setMarginsFont(font);
    m_editor->setFoldMarginColors(window, window);
    m_editor->setCaretForegroundColor(text);
    m_editor->setCaretLineBackgroundColor(mix(base, pal.color(QPalette::Highlight), 0.08));
    m_editor->setSelectionBackgroundColor(pal.color(QPalette::Highlight));
    m_editor->setSelectionForegroundColor(pal.color(QPalette::HighlightedText));
    m_editor->setMatchedBraceBackgroundColor(mix(base, pal.color(QPalette::Highlight), 0.3));
    m_editor->setMatchedBraceForegroundColor(text);
    m_editor->setUnmatchedBraceForegroundColor(colors.error);

    const int iconSize = 14;
    for (Severity severity : {Severity::Info, Severity::Warning, Severity::Error}) {
        const int i = severityIndex(severity);
        m_editor->setIndicatorForegroundColor(severityColor(severity, dark), IndicatorNumbers[i]);
        const QPixmap pixmap
            = style()->standardIcon(severityPixmap(severity), nullptr, this).pixmap(iconSize);
        m_editor->markerDefine(pixmap.toImage(), MarkerNumbers[i]);
        QsciStyle &annotation = d->annotationStyles[i];
        annotation.setColor(text);
        annotation.setPaper(mix(base, severityColor(severity, dark), dark ? 0.22 : 0.12));
        QFont small = QApplication::font(this);
        small.setPointSizeF(small.pointSizeF() * 0.92);
        annotation.setFont(small);
    }

    d->note->setAutoFillBackground(true);
    QPalette notePalette = d->note->palette();
    notePalette.setColor(QPalette::Window, mix(window, pal.color(QPalette::Highlight), 0.15));
    notePalette.setColor(QPalette::WindowText, pal.color(QPalette::WindowText));
    d->note->setPalette(notePalette);
    QPalette pointerPalette = d->pointerLabel->palette();
    pointerPalette.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    d->pointerLabel->setPalette(pointerPalette);
    if (!d->marks.isEmpty())
        applyProblems(); // annotations keep the style they were drawn with
}

void ResponseEditor::updatePointerLabel()
{
    if (m_language != Language::Json)
        return;
    const int length = int(m_editor->SendScintilla(QsciScintillaBase::SCI_GETLENGTH));
    if (length > PointerLabelLimit) {
        d->pointerLabel->setText(tr("Pointer: (not tracked in bodies this large)"));
        return;
    }
    const int position = int(m_editor->SendScintilla(QsciScintillaBase::SCI_GETCURRENTPOS));
    const QString pointer = pointerAt(position);
    d->pointerLabel->setText(pointer.isNull()
            ? tr("Pointer: —")
            : tr("Pointer: %1").arg(pointer.isEmpty() ? tr("(the whole document)") : pointer));
}
