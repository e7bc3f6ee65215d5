// SPDX-License-Identifier: GPL-3.0-or-later
// What a scripted answer costs per call (issue 13: a trivial script adds at most 50 µs): the
// Rulebook deciding and rendering a rcpt call answered by a preset rule, then by a trivial script,
// then by a script reading the envelope and keeping session state, and a data call whose script
// reads the message. Prints the median of several rounds, per call, and the script's overhead.
#include "mock/protocol/codec.h"
#include "mock/scanner/rulebook.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {

constexpr int Calls = 20000;
constexpr int Rounds = 5;

Mock::Rule rule(const QString &script)
{
    Mock::Rule rule;
    rule.name = u"bench"_s;
    if (script.isEmpty()) {
        rule.answer = Mock::Answer::fromPreset(MtaHooks::Preset::Accept);
    } else {
        rule.answer.kind = Mock::Answer::Kind::Script;
        rule.answer.script = script;
    }
    return rule;
}

// Median microseconds per decided and rendered call.
double perCall(Mock::Rulebook &book, const MtaHooks::HookRequest &request, int calls)
{
    QList<double> rounds;
    for (int round = 0; round < Rounds; ++round) {
        QElapsedTimer clock;
        clock.start();
        qsizetype bytes = 0;
        for (int i = 0; i < calls; ++i) {
            const Mock::Decision decision = book.decide(request, u"session-%1"_s.arg(i % 64));
            bytes += book.render(decision.answer, request).body.size();
        }
        if (bytes == 0)
            std::fprintf(stderr, "no answers rendered\n");
        rounds << double(clock.nsecsElapsed()) / 1000.0 / calls;
    }
    std::sort(rounds.begin(), rounds.end());
    return rounds.at(Rounds / 2);
}

MtaHooks::HookRequest readRequest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
    return MtaHooks::decodeRequest(file.readAll(), "application/json");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString data = QStringLiteral(HOOKSCOPE_TESTDATA_DIR);
    const MtaHooks::HookRequest rcpt = readRequest(data + u"/scanner/draft01/rcpt.json"_s);
    const MtaHooks::HookRequest message = readRequest(data + u"/scanner/draft01/data.json"_s);

    Mock::Rulebook book;
    book.setRules({rule({})});
    const double preset = perCall(book, rcpt, Calls);
    book.setRules({rule(u"function answer(call) { return accept(); }"_s)});
    const double trivial = perCall(book, rcpt, Calls);
    book.setRules({rule(u"function answer(call) {"
                        "  call.state.n = (call.state.n || 0) + 1;"
                        "  if (call.envelope.from === 'blocked@example.com') return reject();"
                        "  return accept().addHeader('X-Seen', String(call.state.n)); }"_s)});
    const double stateful = perCall(book, rcpt, Calls);
    book.setRules(
        {rule(u"function answer(call) {"
              "  return /order/i.test(call.message.subject) ? quarantine() : accept(); }"_s)});
    const double withMessage = perCall(book, message, Calls / 10);

    QTextStream out(stdout);
    out << "per call (decide + render, median of " << Rounds << " rounds):\n";
    out << QString::asprintf("  preset rule                       %8.1f us\n", preset);
    out << QString::asprintf(
        "  trivial script                    %8.1f us  (+%.1f us)\n", trivial, trivial - preset);
    out << QString::asprintf(
        "  script with state and an edit     %8.1f us  (+%.1f us)\n", stateful, stateful - preset);
    out << QString::asprintf("  data call, script reads subject   %8.1f us\n", withMessage);
    const bool met = trivial - preset <= 50.0;
    out << "goal: a trivial script adds at most 50 us: " << (met ? "met" : "NOT met") << '\n';
    return 0;
}
