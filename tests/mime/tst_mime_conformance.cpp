// SPDX-License-Identifier: GPL-3.0-or-later
// Hookscope's reading of the malformed messages in tests/data/mime/malformed/ against an
// independent parser: Python's email package (policy=email.policy.default), through
// python_mime_tree.py. Where the two differ on purpose the difference is listed below with its
// reason (and in docs/mime-conformance.md); any other difference fails, and so does a listed one
// that no longer occurs.
#include "mock/mime/mimedecoder.h"
#include "tests/support/testsupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>

using namespace MtaHooks::Mime;
using namespace Qt::StringLiterals;

namespace {

// What is compared, per message: "file path field" → value. Paths number the parts depth first
// from the root ("0", "0.1", "0.1.0"); "file - field" holds per-message facts.
using Facts = QMap<QString, QString>;

// Defects both parsers report under different names are compared under one name. The rest keep
// their own names, so that a defect only one parser reports shows up as a difference.
QString defectKind(const QString &name)
{
    static const QMap<QString, QString> kinds {
        {u"CRIT_MULTIPART_WITHOUT_BOUNDARY"_s, u"no-boundary"_s},
        {u"NoBoundaryInMultipartDefect"_s, u"no-boundary"_s},
        {u"WARN_INVALID_CONTENT_TYPE"_s, u"invalid-content-type"_s},
        {u"Content-Type:InvalidHeaderDefect"_s, u"invalid-content-type"_s},
        {u"WARN_FIRST_LINE_NOT_A_HEADER"_s, u"not-a-header-line"_s},
        {u"CRIT_INVALID_HEADER_NAME"_s, u"not-a-header-line"_s},
        {u"FirstHeaderLineIsContinuationDefect"_s, u"not-a-header-line"_s},
        {u"MissingHeaderBodySeparatorDefect"_s, u"not-a-header-line"_s},
        {u"WARN_TRUNCATED_MESSAGE"_s, u"no-close-delimiter"_s},
        {u"CloseBoundaryNotFoundDefect"_s, u"no-close-delimiter"_s},
        {u"WARN_MALFORMED_MULTIPART"_s, u"no-start-delimiter"_s},
        {u"StartBoundaryNotFoundDefect"_s, u"no-start-delimiter"_s},
        // Python's note that a multipart ended up without a list of parts: the consequence of
        // the missing delimiters above, not a defect of its own.
        {u"MultipartInvariantViolationDefect"_s, QString()},
    };
    return kinds.value(name, name);
}

QString joinedKinds(const QStringList &names)
{
    QStringList kinds;
    for (const QString &name : names) {
        const QString kind = defectKind(name);
        if (!kind.isEmpty() && !kinds.contains(kind))
            kinds.append(kind);
    }
    std::sort(kinds.begin(), kinds.end());
    return kinds.join(u',');
}

// Types whose body Hookscope reads as blocks of header fields (MimePart::fieldBlocks()) and
// Python as a list of header-only messages: compared by count.
bool hasFieldBlocks(const QString &type)
{
    return type == u"message/delivery-status"_s || type == u"message/external-body"_s;
}

QString orNone(const QString &text)
{
    return text.isEmpty() ? u"-"_s : text;
}

void addHookscopePart(Facts &facts, const QString &prefix, const MimePart &part)
{
    const QString type = part.contentType();
    facts.insert(prefix + u" contentType"_s, type);
    // Both sides under RFC 2046 §4.1.2: a text part without a charset is us-ascii.
    QString charset = part.charset().toLower();
    if (charset.isEmpty() && type.startsWith(u"text/"_s))
        charset = u"us-ascii"_s;
    facts.insert(prefix + u" charset"_s, orNone(charset));
    facts.insert(prefix + u" filename"_s, orNone(part.filename()));
    if (hasFieldBlocks(type)) {
        facts.insert(prefix + u" children"_s, QString::number(part.fieldBlocks().size()));
        return;
    }
    const QList<MimePart> children = part.children();
    facts.insert(prefix + u" children"_s, QString::number(children.size()));
    for (qsizetype i = 0; i < children.size(); ++i)
        addHookscopePart(facts, prefix + u'.' + QString::number(i), children.at(i));
}

void addPythonPart(
    Facts &facts, const QString &prefix, const QJsonObject &part, QStringList &defects)
{
    const QString type = part.value(u"contentType"_s).toString();
    facts.insert(prefix + u" contentType"_s, type);
    QString charset = part.value(u"charset"_s).toString().toLower();
    if (charset.isEmpty() && type.startsWith(u"text/"_s))
        charset = u"us-ascii"_s;
    facts.insert(prefix + u" charset"_s, orNone(charset));
    facts.insert(prefix + u" filename"_s, orNone(part.value(u"filename"_s).toString()));
    for (const QJsonValue &defect : part.value(u"defects"_s).toArray())
        defects.append(defect.toString());
    const QJsonArray children = part.value(u"children"_s).toArray();
    facts.insert(prefix + u" children"_s, QString::number(children.size()));
    if (hasFieldBlocks(type))
        return; // the blocks
    for (qsizetype i = 0; i < children.size(); ++i) {
        addPythonPart(
            facts, prefix + u'.' + QString::number(i), children.at(i).toObject(), defects);
    }
}

Facts hookscopeFacts(const QString &file, const QByteArray &raw)
{
    const MimeMessage message = MimeDecoder::decode(raw);
    Facts facts;
    facts.insert(file + u" - subject"_s, message.hasSubject ? message.subject : u"(null)"_s);
    QStringList defects;
    for (const Defect &defect : message.defects)
        defects.append(defect.code);
    facts.insert(file + u" - defects"_s, joinedKinds(defects));
    addHookscopePart(facts, file + u" 0"_s, message.root);
    return facts;
}

Facts pythonFacts(const QString &file, const QJsonObject &message)
{
    Facts facts;
    const QJsonValue subject = message.value(u"subject"_s);
    facts.insert(file + u" - subject"_s, subject.isNull() ? u"(null)"_s : subject.toString());
    QStringList defects;
    addPythonPart(facts, file + u" 0"_s, message.value(u"root"_s).toObject(), defects);
    facts.insert(file + u" - defects"_s, joinedKinds(defects));
    return facts;
}

struct KnownDifference
{
    QString fact; // "file path field"
    QString hookscope;
    QString python;
    const char *reason;
};

// Keep in step with docs/mime-conformance.md.
const QList<KnownDifference> &knownDifferences()
{
    static const QList<KnownDifference> known {
        {u"delimiter-trailing-text.eml - defects"_s, u"WARN_BOUNDARY_TRAILING_TEXT"_s, QString(),
            "Both keep the lines in the part's body (RFC 2046 §5.1.1: only white space may "
            "follow the boundary); Hookscope reports them, as parsers that match the boundary as "
            "a prefix split the part there"},
        {u"digest-default.eml - defects"_s, u"NOTE_MISSING_CONTENT_TYPE"_s, QString(),
            "Both apply the multipart/digest default (RFC 2046 §5.1.5); Hookscope notes that it "
            "did"},
        {u"external-body.eml - defects"_s, u"NOTE_EXTERNAL_BODY"_s, QString(),
            "Hookscope notes where the content of message/external-body is (and never fetches "
            "it); Python has no such notion"},
        {u"first-line-garbage.eml - subject"_s, u"first line garbage"_s, u"(null)"_s,
            "Python ends the header block at the first line that is not a field and reads "
            "everything as body; Hookscope skips that one line and keeps the fields after it"},
        {u"invalid-content-type-parts.eml 0.0 contentType"_s, u"text/plain"_s, u"text/"_s,
            "RFC 2045 §5.2: a Content-Type that does not parse means text/plain; "
            "charset=us-ascii. Python returns the broken value"},
        {u"invalid-content-type-parts.eml 0.2 contentType"_s, u"text/plain"_s, u"/plain"_s,
            "RFC 2045 §5.2, as above (a type must be a token; \"/plain\" has none)"},
        {u"invalid-content-type-parts.eml 0.2 charset"_s, u"us-ascii"_s, u"-"_s,
            "RFC 2045 §5.2: the charset of the default is us-ascii; Python's \"/plain\" is not "
            "text"},
        {u"mbox-from-line.eml - defects"_s, u"NOTE_MBOX_FROM_LINE"_s, QString(),
            "Both skip the mbox separator line (Python keeps it as the unixfrom); Hookscope notes "
            "it"},
        {u"missing-content-type.eml - defects"_s, u"NOTE_MISSING_CONTENT_TYPE"_s, QString(),
            "Both apply the text/plain; charset=us-ascii default (RFC 2045 §5.2); Hookscope notes "
            "that it did"},
        {u"missing-start-delimiter.eml - defects"_s, u"no-close-delimiter,no-start-delimiter"_s,
            u"no-start-delimiter"_s,
            "There is neither a first nor a close delimiter: GMime reports the end of the input "
            "reached while looking for one (WARN_TRUNCATED_MESSAGE), Python only the first"},
        {u"nested-boundary-prefix.eml - defects"_s, u"WARN_NESTED_BOUNDARY_PREFIX"_s, QString(),
            "Same tree. The outer delimiter \"--b\" occurs inside the part (\"--b-inner\"), which "
            "RFC 2046 §5.1.1 forbids; parsers that follow its white-space rule cope, others do "
            "not: Hookscope warns"},
        {u"nested-boundary-reused.eml - defects"_s, u"WARN_NESTED_BOUNDARY_REUSED"_s,
            u"no-start-delimiter"_s,
            "RFC 2046 §5.1.1 forbids the reuse, the reading is ambiguous: Hookscope warns of the "
            "reuse, Python of the inner multipart that got no delimiter (see below)"},
        {u"nested-boundary-reused.eml 0 children"_s, u"2"_s, u"3"_s,
            "GMime gives each delimiter line to the innermost open multipart (two parts in the "
            "inner one, one after it); Python to the outermost (the inner multipart is left "
            "empty, its parts become outer parts)"},
    };
    return known;
}

} // namespace

class TestMimeConformance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesPythonEmailPackage();
};

void TestMimeConformance::matchesPythonEmailPackage()
{
    const QString python = QStandardPaths::findExecutable(u"python3"_s);
    if (python.isEmpty())
        QSKIP("python3 is not installed: nothing to compare with");

    const QDir folder(TestSupport::dataPath(u"mime/malformed"_s));
    const QStringList files = folder.entryList({u"*.eml"_s}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() >= 10, qPrintable(folder.path()));
    QStringList paths;
    for (const QString &file : files)
        paths.append(folder.filePath(file));

    QProcess process;
    process.start(python, QStringList {QStringLiteral(HOOKSCOPE_MIME_TREE_SCRIPT)} + paths);
    QVERIFY(process.waitForFinished(60000));
    QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
        process.readAllStandardError().constData());
    QJsonParseError error;
    const QJsonObject trees
        = QJsonDocument::fromJson(process.readAllStandardOutput(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(trees.size(), files.size());

    QStringList differences;
    for (const QString &file : files) {
        const Facts ours = hookscopeFacts(file, TestSupport::readFile(folder.filePath(file)));
        const Facts theirs = pythonFacts(file, trees.value(file).toObject());
        QStringList keys = ours.keys() + theirs.keys();
        keys.removeDuplicates();
        std::sort(keys.begin(), keys.end());
        // Below a part whose number of children differs, the parts cannot be paired up: the
        // difference in number is the one reported.
        QStringList unpaired;
        for (const QString &key : std::as_const(keys)) {
            if (key.endsWith(u" children"_s) && ours.value(key) != theirs.value(key))
                unpaired.append(key.chopped(9) + u'.');
        }
        for (const QString &key : std::as_const(keys)) {
            if (std::any_of(unpaired.cbegin(), unpaired.cend(),
                    [&key](const QString &prefix) { return key.startsWith(prefix); }))
                continue;
            const QString a = ours.value(key, u"(none)"_s);
            const QString b = theirs.value(key, u"(none)"_s);
            if (a != b)
                differences.append(key + u": hookscope \""_s + a + u"\", python \""_s + b + u'"');
        }
    }

    QStringList expected;
    for (const KnownDifference &k : knownDifferences())
        expected.append(
            k.fact + u": hookscope \""_s + k.hookscope + u"\", python \""_s + k.python + u'"');

    QStringList unexpected;
    for (const QString &d : std::as_const(differences)) {
        if (!expected.contains(d))
            unexpected.append(d);
    }
    QStringList stale;
    for (qsizetype i = 0; i < expected.size(); ++i) {
        if (!differences.contains(expected.at(i)))
            stale.append(expected.at(i) + u" (listed because: "_s
                + QString::fromUtf8(knownDifferences().at(i).reason) + u')');
    }
    // One line each: QTest cuts long failure messages short.
    for (const QString &d : std::as_const(unexpected))
        qWarning("difference not in the known list: %s", qPrintable(d));
    for (const QString &e : std::as_const(stale))
        qWarning("known difference that no longer occurs: %s", qPrintable(e));
    QVERIFY2(unexpected.isEmpty(), "Hookscope and Python read a message differently (see above)");
    QVERIFY2(stale.isEmpty(), "the list of known differences is out of date (see above)");
}

QTEST_GUILESS_MAIN(TestMimeConformance)
#include "tst_mime_conformance.moc"
