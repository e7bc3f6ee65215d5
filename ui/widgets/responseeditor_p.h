// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What responseeditor.cpp and responseeditormarks.cpp (the problem marks) share.

#include "ui/widgets/responseeditor.h"

#include <QByteArrayView>
#include <QLabel>
#include <QList>

#include <Qsci/qscilexerdiff.h>
#include <Qsci/qscilexerjavascript.h>
#include <Qsci/qscilexerjson.h>
#include <Qsci/qscilexerproperties.h>
#include <Qsci/qsciscintilla.h>
#include <Qsci/qscistyle.h>

#include <array>

namespace ResponseEditorDetail {

// Marker and indicator numbers, one per severity (Info, Warning, Error). Scintilla draws higher
// marker numbers on top, so a line with an error and a note shows the error icon.
inline constexpr std::array<int, 3> MarkerNumbers {1, 2, 3};
inline constexpr std::array<int, 3> IndicatorNumbers {9, 10, 11};
// Annotation styles: above every lexer's styles (JSON uses 0-13) and the predefined 32-39.
inline constexpr int AnnotationStyleBase = 60;

inline int severityIndex(MtaHooks::Severity severity)
{
    switch (severity) {
    case MtaHooks::Severity::Info:
        return 0;
    case MtaHooks::Severity::Warning:
        return 1;
    case MtaHooks::Severity::Error:
        return 2;
    }
    return 2;
}

// The document's UTF-8 bytes without copying them: text() would convert a 70 MB body (a draft
// rawMessage) to UTF-16 and back for every lookup. Valid until the text changes.
inline QByteArrayView documentBytes(QsciScintilla *editor)
{
    const auto length = qsizetype(editor->SendScintilla(QsciScintillaBase::SCI_GETLENGTH));
    // Scintilla's API returns the pointer as an integer: there is no other way to get it.
    const auto *data = reinterpret_cast<const char *>( // NOLINT(performance-no-int-to-ptr)
        editor->SendScintilla(QsciScintillaBase::SCI_GETCHARACTERPOINTER));
    return data ? QByteArrayView(data, length) : QByteArrayView();
}

struct ProblemMark
{
    qsizetype start = 0;
    qsizetype end = 0;
    int line = 0;
    MtaHooks::Problem problem;
    QString foundPointer; // differs from problem.pointer when the target is absent
};

} // namespace ResponseEditorDetail

struct ResponseEditor::Private
{
    QLabel *note = nullptr;
    QLabel *pointerLabel = nullptr;
    QsciLexerJSON *json = nullptr;
    QsciLexerDiff *diff = nullptr;
    QsciLexerProperties *http = nullptr;
    QsciLexerJavaScript *javaScript = nullptr;
    // Fixed style numbers: QsciStyle's automatic numbering is process-wide and runs out after 24
    // styles (it counts down from 63 to the predefined styles), which left the boxes of every
    // editor after the eighth unpainted. Styles are per editor, so fixed numbers are safe.
    std::array<QsciStyle, 3> annotationStyles {QsciStyle(ResponseEditorDetail::AnnotationStyleBase),
        QsciStyle(ResponseEditorDetail::AnnotationStyleBase + 1),
        QsciStyle(ResponseEditorDetail::AnnotationStyleBase + 2)};
    MtaHooks::Problems problems;
    QList<ResponseEditor::LineProblem> lineProblems;
    QList<ResponseEditorDetail::ProblemMark> marks;
};
