// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"

#include <QWidget>

#include <memory>
#include <utility>

class QsciScintilla;

// The code view and editor of the window (the only file that includes QScintilla): JSON with
// folding, line numbers and brace matching; also plain text, HTTP and unified diffs. Problems can
// be marked at their JSON Pointer, and the view can jump to a pointer.
class ResponseEditor final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResponseEditor)

public:
    enum class Language { Json, Text, Diff, Http, JavaScript };

    explicit ResponseEditor(QWidget *parent = nullptr);
    ~ResponseEditor() override;

    void setLanguage(Language language);
    void setReadOnly(bool readOnly);
    bool isReadOnly() const;
    void setText(const QString &text);
    QString text() const;

    // Underlines the values the problems point at and lists them in the margin.
    void setProblems(const MtaHooks::Problems &problems);
    // Problems at a line (0-based) of any language, such as a script's error: marked the same
    // way, kept apart from setProblems' list. An empty list clears them.
    using LineProblem = std::pair<int, MtaHooks::Problem>;
    void setLineProblems(const QList<LineProblem> &problems);
    // Selects the value at an RFC 6901 pointer in the (JSON) text; false when absent.
    bool jumpToPointer(const QString &pointer);

    // The problems given (setText clears their marks, not the list; setProblems redraws).
    MtaHooks::Problems problems() const;
    // As jumpToPointer, but when the pointer is absent (a missing member) goes to its
    // closest existing ancestor. Returns the pointer jumped to (null when nothing was found).
    QString jumpToNearestPointer(const QString &pointer);
    // The RFC 6901 pointer of the value at a QScintilla position (a UTF-8 byte offset);
    // null when the text is not JSON there.
    QString pointerAt(int position) const;
    // The lines (0-based) carrying a problem marker, and the problems on one of them.
    QList<int> problemLines() const;
    MtaHooks::Problems problemsOnLine(int line) const;
    // A one-line note above the text ("decoded from CBOR (412 bytes)"); empty hides it.
    void setNote(const QString &note);
    QString note() const;

    QsciScintilla *editor() const { return m_editor; } // for tests and key bindings

Q_SIGNALS:
    void textChanged();

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyLanguage();
    void applyPalette();
    void applyProblems();
    void clearProblemMarks();
    void showDwellTip(int position, int x, int y);
    void updatePointerLabel();

    QsciScintilla *m_editor;
    Language m_language = Language::Json;
    struct Private;
    std::unique_ptr<Private> d;
};
