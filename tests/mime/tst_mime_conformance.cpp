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
    static const QList<KnownDifference> known {};
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
        for (const QString &key : std::as_const(keys)) {
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
    for (const QString &e : std::as_const(expected)) {
        if (!differences.contains(e))
            stale.append(e);
    }
    QVERIFY2(unexpected.isEmpty(),
        qPrintable(u"differences not in the known list:\n  "_s + unexpected.join(u"\n  "_s)));
    QVERIFY2(stale.isEmpty(),
        qPrintable(u"known differences that no longer occur:\n  "_s + stale.join(u"\n  "_s)));
}

QTEST_GUILESS_MAIN(TestMimeConformance)
#include "tst_mime_conformance.moc"
