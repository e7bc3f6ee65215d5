// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/types.h"

#include <QWidget>

class QsciScintilla;

// The code view and editor of the window (the only file that includes QScintilla): JSON with
// folding, line numbers and brace matching; also plain text, HTTP and unified diffs. Problems can
// be marked at their JSON Pointer, and the view can jump to a pointer.
class ResponseEditor final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ResponseEditor)

public:
    enum class Language { Json, Text, Diff, Http };

    explicit ResponseEditor(QWidget *parent = nullptr);
    ~ResponseEditor() override;

    void setLanguage(Language language);
    void setReadOnly(bool readOnly);
    bool isReadOnly() const;
    void setText(const QString &text);
    QString text() const;

    // Underlines the values the problems point at and lists them in the margin.
    void setProblems(const MtaHooks::Problems &problems);
    // Selects the value at an RFC 6901 pointer in the (JSON) text; false when absent.
    bool jumpToPointer(const QString &pointer);

    QsciScintilla *editor() const { return m_editor; } // for tests and key bindings

Q_SIGNALS:
    void textChanged();

private:
    QsciScintilla *m_editor;
    Language m_language = Language::Json;
};
