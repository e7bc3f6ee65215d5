// SPDX-License-Identifier: GPL-3.0-or-later
// The command line's help, run as a user runs it: every command's -h/--help and `hookscope help`,
// the message of an unknown option, `hookscope --version`, and the man page and bash completion
// the build writes. What each command declares (describeCommands()) is what must come out.
#include "app/commands.h"
#include "tests/support/testsupport.h"

#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return u"exit %1\nstdout: %2\nstderr: %3"_s.arg(exitCode).arg(
            QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

Run run(const QStringList &arguments,
    const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(TestSupport::hookscopeBinary(), arguments);
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
        process.readAllStandardOutput(), process.readAllStandardError()};
}

// "conform --mta" as arguments.
QStringList words(const CommandHelp &help)
{
    return help.command.split(u' ', Qt::SkipEmptyParts);
}

// How a man page writes text: written here again rather than taken from app/, so that a change
// of escaping there shows.
QString roffText(const QString &text)
{
    return QString(text).replace(u'-', u"\\-"_s);
}

QString formName(const CommandHelp &help)
{
    return help.command.isEmpty() ? u"(window)"_s : help.command;
}

} // namespace

class TestAppHelp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyCommandDescribesItself();
    void helpListsEveryOption_data();
    void helpListsEveryOption();
    void helpCommandEqualsHelpOption_data();
    void helpCommandEqualsHelpOption();
    void overviewHasOneLinePerCommand();
    void namesTheOptionsTheIssueMissed();
    void unknownOptionNamesTheHelp_data();
    void unknownOptionNamesTheHelp();
    void unknownCommands();
    void versionIsOneLine_data();
    void versionIsOneLine();
    void manPageHasEveryCommandAndOption();
    void completionCompletesEveryCommandAndOption();

private:
    QList<CommandHelp> m_helps;
};

void TestAppHelp::initTestCase()
{
    QVERIFY2(
        QFile::exists(TestSupport::hookscopeBinary()), qPrintable(TestSupport::hookscopeBinary()));
    m_helps = describeCommands();
    QVERIFY(m_helps.size() >= 8);
}

void TestAppHelp::everyCommandDescribesItself()
{
    QStringList commands;
    for (const CommandHelp &help : std::as_const(m_helps)) {
        QVERIFY2(!help.summary.isEmpty(), qPrintable(formName(help)));
        QVERIFY2(!help.synopsis.isEmpty(), qPrintable(formName(help)));
        QVERIFY2(!help.examples.isEmpty(), qPrintable(formName(help)));
        for (const QString &example : help.examples) {
            QVERIFY2(example.startsWith(help.invocation() + u' '), qPrintable(example));
        }
        QStringList names;
        for (const QCommandLineOption &option : help.allOptions()) {
            QVERIFY2(!option.description().isEmpty(), qPrintable(option.names().join(u',')));
            for (const QString &name : option.names()) {
                QVERIFY2(!names.contains(name), qPrintable(formName(help) + u": "_s + name));
                names << name;
            }
        }
        QVERIFY2(!commands.contains(help.command), qPrintable(formName(help)));
        commands << help.command;
    }
    QCOMPARE(commands.constFirst(), QString());
    for (const QString &command : {u"decode"_s, u"apply"_s, u"serve"_s, u"replay"_s, u"conform"_s,
             u"conform --mta"_s, u"help"_s}) {
        QVERIFY2(commands.contains(command), qPrintable(command));
    }
}

void TestAppHelp::helpListsEveryOption_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("form");
    for (qsizetype i = 0; i < m_helps.size(); ++i) {
        const CommandHelp &help = m_helps.at(i);
        for (const QString &flag : {u"--help"_s, u"-h"_s}) {
            QTest::addRow("%s %s", qPrintable(formName(help)), qPrintable(flag))
                << words(help) + QStringList {flag} << int(i);
        }
    }
}

void TestAppHelp::helpListsEveryOption()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, form);
    const CommandHelp &help = m_helps.at(form);
    const Run result = run(arguments);
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.err.isEmpty(), qPrintable(result.describe()));
    const QString out = QString::fromUtf8(result.out);
    QVERIFY2(out.startsWith(u"usage: "_s + help.invocation() + u' '), qPrintable(out));
    QVERIFY2(out.contains(help.summary), qPrintable(out));
    // Every option on a line of its own: its names and value, then its description.
    for (const QCommandLineOption &option : help.allOptions()) {
        QString pattern;
        for (const QString &name : option.names())
            pattern += (pattern.isEmpty() ? u""_s : u", "_s) + dashed(name);
        if (!option.valueName().isEmpty())
            pattern += u" <"_s + option.valueName() + u'>';
        const QRegularExpression line(u"^  "_s + QRegularExpression::escape(pattern)
                + u"(  +|\\n +)"_s
                + QRegularExpression::escape(option.description().section(u' ', 0, 1)),
            QRegularExpression::MultilineOption);
        QVERIFY2(line.match(out).hasMatch(), qPrintable(pattern + u"\n"_s + out));
    }
    for (const QString &example : help.examples)
        QVERIFY2(out.contains(u"\n  "_s + example + u'\n'), qPrintable(example));
}

void TestAppHelp::helpCommandEqualsHelpOption_data()
{
    QTest::addColumn<QStringList>("arguments");
    for (const CommandHelp &help : std::as_const(m_helps)) {
        if (!help.command.isEmpty())
            QTest::newRow(qPrintable(formName(help))) << words(help);
    }
}

void TestAppHelp::helpCommandEqualsHelpOption()
{
    QFETCH(QStringList, arguments);
    const Run viaHelp = run(QStringList {u"help"_s} + arguments);
    const Run viaOption = run(arguments + QStringList {u"--help"_s});
    QVERIFY2(viaHelp.exitCode == 0, qPrintable(viaHelp.describe()));
    QVERIFY(!viaHelp.out.isEmpty());
    QCOMPARE(viaHelp.out, viaOption.out);
    QCOMPARE(viaHelp.err, QByteArray());
}

void TestAppHelp::overviewHasOneLinePerCommand()
{
    const Run help = run({u"help"_s});
    QVERIFY2(help.exitCode == 0, qPrintable(help.describe()));
    QCOMPARE(help.err, QByteArray());
    // The window's help is the overview, whichever way it is asked for.
    QCOMPARE(run({u"--help"_s}).out, help.out);
    QCOMPARE(run({u"-h"_s}).out, help.out);
    QCOMPARE(run({u"--db"_s, u":memory:"_s, u"--help"_s}).out, help.out);
    const QString out = QString::fromUtf8(help.out);
    for (const CommandHelp &form : std::as_const(m_helps)) {
        if (form.command.isEmpty())
            continue;
        const QRegularExpression line(u"^  "_s + QRegularExpression::escape(form.command) + u"  +"_s
                + QRegularExpression::escape(form.summary) + u'$',
            QRegularExpression::MultilineOption);
        QVERIFY2(line.match(out).hasMatch(), qPrintable(form.command + u"\n"_s + out));
    }
    QVERIFY(out.contains(u"man hookscope"_s));
}

void TestAppHelp::namesTheOptionsTheIssueMissed()
{
    // The old top-level usage left these out; the command's help must not.
    const QString out = QString::fromUtf8(run({u"replay"_s, u"--help"_s}).out);
    for (const QString &option : {u"--mail-from <addr>"_s, u"--rcpt <addr>"_s,
             u"--concurrency <n>"_s, u"--repeat <n>"_s, u"--retries <n>"_s, u"--on-error"_s}) {
        QVERIFY2(out.contains(option), qPrintable(option));
    }
    QVERIFY(out.contains(u"Sessions at a time (default: 1)."_s));
}

void TestAppHelp::unknownOptionNamesTheHelp_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("said");
    QTest::addColumn<QString>("help");
    for (const CommandHelp &help : std::as_const(m_helps)) {
        QTest::newRow(qPrintable(formName(help)))
            << words(help) + QStringList {u"--no-such-option"_s}
            << help.invocation() + u": unknown option '--no-such-option'"_s
            << u"see `"_s + help.helpCommand() + u'`';
    }
    QTest::newRow("missing value")
        << QStringList {u"replay"_s, u"x.json"_s, u"--to"_s}
        << u"hookscope replay: missing value after '--to'"_s << u"see `hookscope help replay`"_s;
    QTest::newRow("missing argument")
        << QStringList {u"decode"_s} << u"usage: hookscope decode FILE [OPTION]..."_s
        << u"see `hookscope help decode`"_s;
}

void TestAppHelp::unknownOptionNamesTheHelp()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, said);
    QFETCH(QString, help);
    const Run result = run(arguments);
    QVERIFY2(result.exitCode == 2, qPrintable(result.describe()));
    QVERIFY2(result.out.isEmpty(), qPrintable(result.describe()));
    const QString err = QString::fromUtf8(result.err);
    QVERIFY2(err.contains(said + u'\n'), qPrintable(result.describe()));
    QVERIFY2(err.contains(help + u'\n'), qPrintable(result.describe()));
}

void TestAppHelp::unknownCommands()
{
    const Run typo = run({u"replya"_s, u"x.json"_s});
    QCOMPARE(typo.exitCode, 2);
    QVERIFY(typo.out.isEmpty());
    QVERIFY2(typo.err.contains("unknown command \"replya\"") && typo.err.contains("hookscope help"),
        typo.err.constData());
    const Run help = run({u"help"_s, u"replya"_s});
    QCOMPARE(help.exitCode, 2);
    QVERIFY(help.out.isEmpty());
    QVERIFY2(help.err.contains("unknown command \"replya\""), help.err.constData());
}

void TestAppHelp::versionIsOneLine_data()
{
    QTest::addColumn<QString>("flag");
    QTest::addColumn<bool>("setEmpty"); // XDG_RUNTIME_DIR set but empty, or unset
    QTest::newRow("--version, unset") << u"--version"_s << false;
    QTest::newRow("--version, empty") << u"--version"_s << true;
    QTest::newRow("-v, unset") << u"-v"_s << false;
}

void TestAppHelp::versionIsOneLine()
{
    QFETCH(QString, flag);
    QFETCH(bool, setEmpty);
    // Where Qt would warn: no runtime folder and no platform chosen.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(u"XDG_RUNTIME_DIR"_s);
    environment.remove(u"QT_QPA_PLATFORM"_s);
    environment.remove(u"DISPLAY"_s);
    environment.remove(u"WAYLAND_DISPLAY"_s);
    if (setEmpty)
        environment.insert(u"XDG_RUNTIME_DIR"_s, QString());
    const Run result = run({flag}, environment);
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out, QByteArray("hookscope " HOOKSCOPE_VERSION "\n"));
    QCOMPARE(result.err, QByteArray());
}

void TestAppHelp::manPageHasEveryCommandAndOption()
{
    QFile built(QStringLiteral(HOOKSCOPE_MANPAGE));
    QVERIFY2(built.open(QIODevice::ReadOnly), HOOKSCOPE_MANPAGE);
    const QByteArray page = built.readAll();
    // The installed page is what the binary prints now (the build rewrites it when it changes).
    const Run printed = run({u"help"_s, u"--man"_s});
    QCOMPARE(printed.exitCode, 0);
    QCOMPARE(printed.out, page);
    const QString text = QString::fromUtf8(page);
    QVERIFY(text.startsWith(u".\\\""_s));
    QVERIFY(text.contains(u"\n.TH HOOKSCOPE 1 "_s));
    for (const CommandHelp &help : std::as_const(m_helps)) {
        QVERIFY2(text.contains(u"\n.B "_s + roffText(help.invocation()) + u'\n'),
            qPrintable(formName(help)));
        for (const QCommandLineOption &option : help.allOptions()) {
            for (const QString &name : option.names()) {
                QVERIFY2(text.contains(u"\\fB"_s + roffText(dashed(name)) + u"\\fR"_s),
                    qPrintable(formName(help) + u": "_s + name));
            }
        }
    }
    QVERIFY(text.contains(u"\n.SH \"EXIT STATUS\"\n"_s));

    // What the package installs: gzip -9n of the same bytes.
    const QString gzip = QStandardPaths::findExecutable(u"gzip"_s);
    if (!gzip.isEmpty()) {
        QProcess unzip;
        unzip.start(gzip, {u"-dc"_s, QStringLiteral(HOOKSCOPE_MANPAGE ".gz")});
        QVERIFY(unzip.waitForFinished(10000));
        QCOMPARE(unzip.exitCode(), 0);
        QCOMPARE(unzip.readAllStandardOutput(), page);
    }
    // man(7) that groff reads without a warning.
    const QString groff = QStandardPaths::findExecutable(u"groff"_s);
    if (!groff.isEmpty()) {
        QProcess render;
        render.start(groff, {u"-man"_s, u"-Tutf8"_s, u"-ww"_s, u"-z"_s, built.fileName()});
        QVERIFY(render.waitForFinished(10000));
        QCOMPARE(render.exitCode(), 0);
        QCOMPARE(render.readAllStandardError(), QByteArray());
    }
}

void TestAppHelp::completionCompletesEveryCommandAndOption()
{
    QFile built(QStringLiteral(HOOKSCOPE_COMPLETION));
    QVERIFY2(built.open(QIODevice::ReadOnly), HOOKSCOPE_COMPLETION);
    const QByteArray script = built.readAll();
    const Run printed = run({u"help"_s, u"--bash-completion"_s});
    QCOMPARE(printed.exitCode, 0);
    QCOMPARE(printed.out, script);
    const QString bash = QStandardPaths::findExecutable(u"bash"_s);
    if (bash.isEmpty())
        QSKIP("no bash to load the completion into");

    // One case per line: the words typed (the last one is being completed) and a word the
    // completion must offer.
    QStringList cases;
    const auto addCase = [&cases](const QStringList &typed, const QString &offered) {
        cases << typed.join(u' ') + u'\t' + offered;
    };
    for (const CommandHelp &help : std::as_const(m_helps)) {
        if (!help.command.isEmpty()) {
            const QString name = words(help).constFirst();
            addCase({u"hookscope"_s, name.left(3)}, name);
        }
        for (const QCommandLineOption &option : help.allOptions()) {
            for (const QString &name : option.names()) {
                const QString typed = dashed(name);
                addCase(QStringList {u"hookscope"_s} + words(help)
                        + QStringList {typed.left(typed.size() - 1)},
                    typed);
            }
        }
    }
    addCase({u"hookscope"_s, u"conform"_s, u"--m"_s}, u"--mta"_s);
    addCase({u"hookscope"_s, u"help"_s, u"rep"_s}, u"replay"_s);
    QString program = u"source \"$1\"\n"
                      "while IFS=$'\\t' read -r typed offered; do\n"
                      "    read -r -a COMP_WORDS <<<\"$typed\"\n"
                      "    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                      "    COMPREPLY=()\n"
                      "    _hookscope\n"
                      "    found=no\n"
                      "    for word in \"${COMPREPLY[@]}\"; do\n"
                      "        [[ $word == \"$offered\" ]] && found=yes\n"
                      "    done\n"
                      "    [[ $found == yes ]] || echo \"not offered: $offered after: $typed "
                      "(got: ${COMPREPLY[*]})\"\n"
                      "done\n"_s;
    QProcess shell;
    shell.start(bash, {u"-c"_s, program, u"completion-test"_s, built.fileName()});
    shell.write(cases.join(u'\n').toUtf8() + '\n');
    shell.closeWriteChannel();
    QVERIFY(shell.waitForFinished(30000));
    QCOMPARE(shell.readAllStandardError(), QByteArray());
    QCOMPARE(shell.readAllStandardOutput(), QByteArray());
    QCOMPARE(shell.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestAppHelp)
#include "tst_app_help.moc"
