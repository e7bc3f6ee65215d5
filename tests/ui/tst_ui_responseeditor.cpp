// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/protocol/document.h"
#include "ui/widgets/jsonlocator.h"
#include "ui/widgets/linediff.h"
#include "ui/widgets/responseeditor.h"

#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

#include <memory>
#include <vector>

#include <Qsci/qscilexer.h>
#include <Qsci/qscilexerdiff.h>
#include <Qsci/qscilexerjson.h>
#include <Qsci/qsciscintilla.h>

using namespace Qt::StringLiterals;
using MtaHooks::Severity;

namespace {

const QByteArray Sample = "{\n"
                          "  \"context\": {\n"
                          "    \"stage\": \"data\",\n"
                          "    \"client\": {\n"
                          "      \"ip\": \"192.0.2.44\",\n"
                          "      \"port\": 41822,\n"
                          "      \"héllo ✓\": \"wörld\",\n"
                          "      \"a/b~c\": [true, null, {\"x\": \"q\\\"uote\"}]\n"
                          "    },\n"
                          "    \"empty\": {},\n"
                          "    \"list\": []\n"
                          "  },\n"
                          "  \"envelope\": {\"to\": [{\"address\": \"a@example.com\"}, "
                          "{\"address\": \"b@example.com\"}]}\n"
                          "}";

QByteArray spanText(const QByteArray &text, qsizetype start, qsizetype end)
{
    return text.mid(start, end - start);
}

} // namespace

class TestResponseEditor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void locatesValues_data();
    void locatesValues();
    void locatesMemberNames();
    void locateNearestFallsBackToAncestors();
    void pointerAtOffsets();
    void toleratesBrokenJson();
    void locatesInPrettyDocuments();
    void jumpsToPointer();
    void marksProblems();
    void annotationsInManyEditors();
    void readOnly();
    void languagesAndPalette();
    void unifiedDiff();
};

void TestResponseEditor::locatesValues_data()
{
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("string") << u"/context/stage"_s << QByteArray("\"data\"");
    QTest::addRow("number") << u"/context/client/port"_s << QByteArray("41822");
    QTest::addRow("utf-8 key") << u"/context/client/héllo ✓"_s << QByteArray("\"wörld\"");
    QTest::addRow("escaped key") << u"/context/client/a~1b~0c/0"_s << QByteArray("true");
    QTest::addRow("null element") << u"/context/client/a~1b~0c/1"_s << QByteArray("null");
    QTest::addRow("escaped quote")
        << u"/context/client/a~1b~0c/2/x"_s << QByteArray("\"q\\\"uote\"");
    QTest::addRow("empty object") << u"/context/empty"_s << QByteArray("{}");
    QTest::addRow("array element")
        << u"/envelope/to/1/address"_s << QByteArray("\"b@example.com\"");
    QTest::addRow("root") << QString() << Sample;
}

void TestResponseEditor::locatesValues()
{
    QFETCH(QString, pointer);
    QFETCH(QByteArray, expected);
    const JsonSpan span = JsonLocator(Sample).locate(pointer);
    QVERIFY(span.isValid());
    QCOMPARE(spanText(Sample, span.valueStart, span.valueEnd), expected);
}

void TestResponseEditor::locatesMemberNames()
{
    const JsonLocator locator(Sample);
    const JsonSpan span = locator.locate(u"/context/client"_s);
    QVERIFY(span.isContainer);
    QVERIFY(span.hasKey());
    QCOMPARE(spanText(Sample, span.keyStart, span.keyEnd), QByteArray("\"client\""));
    QVERIFY(!locator.locate(u"/envelope/to/0"_s).hasKey());
    QVERIFY(!locator.locate(u"/context/nope"_s).isValid());
    QVERIFY(!locator.locate(u"/envelope/to/2"_s).isValid());
    QVERIFY(!locator.locate(u"/envelope/to/01"_s).isValid()); // no leading zeros (RFC 6901)
    QVERIFY(!locator.locate(u"/context/stage/x"_s).isValid()); // a string has no members
    QVERIFY(!locator.locate(u"context"_s).isValid()); // not a pointer
}

void TestResponseEditor::locateNearestFallsBackToAncestors()
{
    const JsonLocator locator(Sample);
    QString found;
    JsonSpan span = locator.locateNearest(u"/context/client/helo"_s, &found);
    QCOMPARE(found, u"/context/client"_s);
    QVERIFY(span.isValid());
    span = locator.locateNearest(u"/context/stage"_s, &found);
    QCOMPARE(found, u"/context/stage"_s);
    span = locator.locateNearest(u"/nothing/here"_s, &found);
    QCOMPARE(found, QString());
    QVERIFY(span.isValid()); // the root
}

void TestResponseEditor::pointerAtOffsets()
{
    const JsonLocator locator(Sample);
    const auto offsetOf = [](const QByteArray &needle) { return Sample.indexOf(needle); };
    QCOMPARE(locator.pointerAt(offsetOf("41822") + 2), u"/context/client/port"_s);
    QCOMPARE(locator.pointerAt(offsetOf("\"port\"") + 1), u"/context/client/port"_s);
    QCOMPARE(locator.pointerAt(offsetOf("wörld")), u"/context/client/héllo ✓"_s);
    QCOMPARE(locator.pointerAt(offsetOf("\"q\\\"uote\"") + 3), u"/context/client/a~1b~0c/2/x"_s);
    QCOMPARE(locator.pointerAt(offsetOf("b@example.com")), u"/envelope/to/1/address"_s);
    // Between members: the enclosing value.
    QCOMPARE(locator.pointerAt(offsetOf("\"client\"") - 2), u"/context"_s);
    const QString root = locator.pointerAt(0);
    QVERIFY(!root.isNull());
    QVERIFY(root.isEmpty());
    QVERIFY(locator.pointerAt(Sample.size() + 5).isNull());
    QVERIFY(JsonLocator("not json").pointerAt(2).isEmpty());
}

void TestResponseEditor::toleratesBrokenJson()
{
    const QByteArray broken = "{\"a\": {\"b\": 1, \"c\": \"x\"}, \"d\": [1, 2";
    const JsonLocator locator(broken);
    QCOMPARE(
        spanText(broken, locator.locate(u"/a/c"_s).valueStart, locator.locate(u"/a/c"_s).valueEnd),
        QByteArray("\"x\""));
    QVERIFY(!locator.locate(u"/d/5"_s).isValid());
    QVERIFY(!JsonLocator(QByteArray()).locate(QString()).isValid());
    // An unterminated string does not make the walk run past the end.
    QVERIFY(!JsonLocator("{\"a\": \"never closed").locate(u"/b"_s).isValid());
}

void TestResponseEditor::locatesInPrettyDocuments()
{
    // The editor shows Document::toJson(2); the locator must agree with its layout.
    const MtaHooks::Document document = MtaHooks::Document::fromJson(Sample);
    QVERIFY(document.isValid());
    const QByteArray pretty = document.toJson(2);
    const JsonLocator locator(pretty);
    for (const QString &pointer :
        {u"/context/client/ip"_s, u"/envelope/to/0/address"_s, u"/context/client/a~1b~0c/2/x"_s}) {
        const JsonSpan span = locator.locate(pointer);
        QVERIFY2(span.isValid(), qPrintable(pointer));
        const MtaHooks::Document value = MtaHooks::Document::fromJson(
            QByteArrayView(pretty).sliced(span.valueStart, span.valueEnd - span.valueStart));
        QCOMPARE(value, document.value(pointer));
    }
}

void TestResponseEditor::jumpsToPointer()
{
    ResponseEditor editor;
    editor.resize(600, 300);
    editor.setText(QString::fromUtf8(Sample));
    QVERIFY(editor.jumpToPointer(u"/envelope/to/1/address"_s));
    QCOMPARE(editor.editor()->selectedText(), u"\"b@example.com\""_s);
    int line = 0;
    int index = 0;
    editor.editor()->getCursorPosition(&line, &index);
    QCOMPARE(line, 12);
    QVERIFY(!editor.jumpToPointer(u"/envelope/to/9"_s));
    QCOMPARE(editor.jumpToNearestPointer(u"/context/client/helo"_s), u"/context/client"_s);
    QVERIFY(editor.editor()->selectedText().startsWith(u'{'));
    QCOMPARE(editor.pointerAt(int(Sample.indexOf("41822"))), u"/context/client/port"_s);

    editor.setLanguage(ResponseEditor::Language::Text);
    QVERIFY(!editor.jumpToPointer(u"/context"_s)); // pointers address JSON only
}

void TestResponseEditor::marksProblems()
{
    ResponseEditor editor;
    editor.resize(600, 400);
    editor.setText(QString::fromUtf8(Sample));
    const MtaHooks::Problems problems {
        {u"/context/client/ip"_s, Severity::Error, u"not an address"_s},
        {u"/context/client/helo"_s, Severity::Warning, u"helo is missing"_s},
        {u"/envelope/to/1"_s, Severity::Info, u"second recipient"_s},
        {QString(), Severity::Error, u"transport problem"_s}, // no place in the text
    };
    editor.setProblems(problems);
    QCOMPARE(editor.problems(), problems);
    const QList<int> lines = editor.problemLines();
    // ip is on line 4, the missing helo marks its parent "client" (line 3), to/1 is on line 12.
    QCOMPARE(lines, (QList<int> {3, 4, 12}));
    QCOMPARE(editor.problemsOnLine(4).size(), 1);
    QCOMPARE(editor.problemsOnLine(4).constFirst().message, u"not an address"_s);
    QsciScintilla *sci = editor.editor();
    QVERIFY(sci->markersAtLine(4) != 0);
    QCOMPARE(sci->markersAtLine(5), 0u);
    // The value is underlined, the member name in front of it is not.
    const int valuePos = int(Sample.indexOf("\"192.0.2.44\"")) + 2;
    const int keyPos = int(Sample.indexOf("\"ip\"")) + 1;
    QVERIFY(sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR, valuePos) != 0);
    QCOMPARE(sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR, keyPos), 0L);
    // The findings are written under their lines.
    QVERIFY(sci->annotation(4).contains(u"not an address"_s));
    QVERIFY(sci->annotation(3).contains(u"/context/client/helo is absent"_s));

    // Resting the mouse on the underlined value shows the finding.
    editor.show();
    QVERIFY(QTest::qWaitForWindowExposed(&editor));
    const QPoint at(int(sci->SendScintilla(QsciScintillaBase::SCI_POINTXFROMPOSITION, 0, valuePos)),
        int(sci->SendScintilla(QsciScintillaBase::SCI_POINTYFROMPOSITION, 0, valuePos)));
    Q_EMIT sci->SCN_DWELLSTART(valuePos, at.x(), at.y());
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY(QToolTip::text().contains(u"/context/client/ip: not an address"_s));
    // Over the margin: every finding of that line.
    QToolTip::hideText();
    QTRY_VERIFY(!QToolTip::isVisible());
    Q_EMIT sci->SCN_DWELLSTART(-1, 2, at.y());
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY(QToolTip::text().contains(u"not an address"_s));
    Q_EMIT sci->SCN_DWELLEND(valuePos, at.x(), at.y());
    QTRY_VERIFY(!QToolTip::isVisible());

    // New text clears the marks.
    editor.setText(u"{}"_s);
    QVERIFY(editor.problemLines().isEmpty());
    QCOMPARE(sci->markersAtLine(0), 0u);
    // Text mode has no pointers: nothing is marked.
    editor.setLanguage(ResponseEditor::Language::Text);
    editor.setText(QString::fromUtf8(Sample));
    editor.setProblems(problems);
    QVERIFY(editor.problemLines().isEmpty());
}

void TestResponseEditor::annotationsInManyEditors()
{
    // The detail view makes three editors per window; the boxes under problem lines must be
    // painted in every one of them, not only in the first few.
    std::vector<std::unique_ptr<ResponseEditor>> editors;
    for (int i = 0; i < 30; ++i)
        editors.push_back(std::make_unique<ResponseEditor>());
    ResponseEditor &last = *editors.back();
    last.setText(QString::fromUtf8(Sample));
    last.setProblems({{u"/context/stage"_s, Severity::Error, u"bad stage"_s}});
    QsciScintilla *sci = last.editor();
    QVERIFY(sci->annotation(2).contains(u"bad stage"_s));
    const long style = sci->SendScintilla(QsciScintillaBase::SCI_ANNOTATIONGETSTYLE, 2);
    QVERIFY2(
        style > QsciScintillaBase::STYLE_LASTPREDEFINED && style <= QsciScintillaBase::STYLE_MAX,
        qPrintable(QString::number(style)));
    const long paper = sci->SendScintilla(QsciScintillaBase::SCI_STYLEGETBACK, style);
    const long page
        = sci->SendScintilla(QsciScintillaBase::SCI_STYLEGETBACK, QsciScintillaBase::STYLE_DEFAULT);
    QVERIFY(paper != page); // tinted, so the box is visible
}

void TestResponseEditor::readOnly()
{
    ResponseEditor editor;
    QSignalSpy changed(&editor, &ResponseEditor::textChanged);
    editor.setText(u"{\"a\": 1}"_s);
    QVERIFY(changed.count() >= 1);
    QVERIFY(!editor.isReadOnly());
    editor.setReadOnly(true);
    QVERIFY(editor.isReadOnly());
    QVERIFY(editor.editor()->isReadOnly());
    editor.editor()->selectAll();
    QTest::keyClicks(editor.editor(), u"xyz"_s);
    editor.editor()->SendScintilla(QsciScintillaBase::SCI_REPLACESEL, "changed");
    QCOMPARE(editor.text(), u"{\"a\": 1}"_s);
    editor.setReadOnly(false);
    editor.editor()->SendScintilla(QsciScintillaBase::SCI_DOCUMENTEND);
    editor.editor()->SendScintilla(QsciScintillaBase::SCI_REPLACESEL, " ");
    QCOMPARE(editor.text(), u"{\"a\": 1} "_s);
    // setText starts a fresh history: undo does not bring back an earlier document.
    editor.setText(u"second"_s);
    editor.editor()->undo();
    QCOMPARE(editor.text(), u"second"_s);
}

void TestResponseEditor::languagesAndPalette()
{
    ResponseEditor editor;
    QVERIFY(qobject_cast<QsciLexerJSON *>(editor.editor()->lexer()));
    editor.setLanguage(ResponseEditor::Language::Diff);
    QVERIFY(qobject_cast<QsciLexerDiff *>(editor.editor()->lexer()));
    editor.setLanguage(ResponseEditor::Language::Text);
    QCOMPARE(editor.editor()->lexer(), nullptr);
    editor.setLanguage(ResponseEditor::Language::Http);
    QVERIFY(editor.editor()->lexer());
    editor.setLanguage(ResponseEditor::Language::Json);

    // A dark palette makes a dark page with light text, for every style.
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Text, QColor(0xd4, 0xd4, 0xd4));
    dark.setColor(QPalette::Window, QColor(0x25, 0x25, 0x26));
    editor.setPalette(dark);
    QsciLexer *lexer = editor.editor()->lexer();
    QCOMPARE(lexer->paper(QsciLexerJSON::Default), QColor(0x1e, 0x1e, 0x1e));
    QCOMPARE(lexer->paper(QsciLexerJSON::Property), QColor(0x1e, 0x1e, 0x1e));
    QVERIFY(lexer->color(QsciLexerJSON::String).lightness() > 128);
    QVERIFY(lexer->color(QsciLexerJSON::Default).lightness() > 128);

    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    editor.setPalette(light);
    QCOMPARE(lexer->paper(QsciLexerJSON::Default), QColor(Qt::white));
    QVERIFY(lexer->color(QsciLexerJSON::String).lightness() < 128);

    editor.setNote(u"decoded from CBOR"_s);
    QCOMPARE(editor.note(), u"decoded from CBOR"_s);
}

void TestResponseEditor::unifiedDiff()
{
    const QStringList before {u"From: a"_s, u"To: b"_s, u"Subject: s"_s, QString(), u"body"_s};
    QStringList after = before;
    after.insert(3, u"X-Spam: no"_s);
    const QString diff = ::unifiedDiff(before, after, {u"old"_s, u"new"_s});
    QVERIFY(diff.startsWith(u"--- old\n+++ new\n@@ -1,5 +1,6 @@\n"_s));
    QVERIFY(diff.contains(u"\n+X-Spam: no\n"_s));
    QVERIFY(diff.contains(u"\n From: a\n"_s));
    QVERIFY(::unifiedDiff(before, before).isEmpty());
    const QString removed = ::unifiedDiff({u"a"_s, u"b"_s}, {u"a"_s});
    QVERIFY(removed.contains(u"\n-b\n"_s));
}

QTEST_MAIN(TestResponseEditor)
#include "tst_ui_responseeditor.moc"
