// SPDX-License-Identifier: GPL-3.0-or-later
// How a capture database of a million exchanges behaves when opened and paged: the acceptance
// figures of the capture store (open well under a second, paged lists, low memory). Not a ctest
// test: run it by hand.
//
//   capture_open [--db PATH] [--exchanges N] [--regenerate] [--cold]
//
// Without a database at PATH (default: a file in the temp folder) it first generates one, then
// measures in a fresh child process so that the figures, memory above all, are those of a
// program that only opened the file. --cold evicts the file from the page cache first
// (posix_fadvise), as after a reboot.

#include "mock/capture/capturestore.h"
#include "tests/bench/benchprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using Mock::CaptureQuery;
using Mock::CaptureStore;
using Mock::CaptureTerm;
using Mock::Exchange;

using Bench::cpuMs;
using Bench::evictFromPageCache;
using Bench::statusKiB;

namespace {

constexpr qint64 start = 1772619630000; // 2026-03-04T10:20:30Z
constexpr int callsPerSession = 5;

// One call of a five-call SMTP session, with bodies of realistic size (a Stalwart request of
// ~600 bytes, a short answer); every fifth session rejects at RCPT, one in fifty has a problem.
Exchange makeExchange(qint64 n)
{
    static const char *stages[callsPerSession] = {"connect", "ehlo", "mail", "rcpt", "data"};
    const qint64 session = n / callsPerSession;
    const int step = int(n % callsPerSession);
    const QString stage = QString::fromLatin1(stages[step]);
    const QString ip
        = u"10.%1.%2.%3"_s.arg(session / 65536 % 256).arg(session / 256 % 256).arg(session % 256);
    const int port = 1024 + int(session % 60000);
    const QString from = u"user%1@sender%2.example"_s.arg(session % 5000).arg(session % 97);
    const QString to = u"rcpt%1@example.com"_s.arg(session % 3000);

    Exchange e;
    e.sessionKey = u"%1:%2@%3"_s.arg(ip).arg(port).arg(start + session * 1000);
    e.sequence = step + 1;
    e.received = QDateTime::fromMSecsSinceEpoch(start + session * 1000 + step * 20, Qt::UTC);
    e.peerAddress = u"127.0.0.1"_s;
    e.peerPort = quint16(40000 + session % 20000);
    e.method = "POST";
    e.path = "/hook";
    e.requestHeaders = {{"Host", "127.0.0.1:8025"}, {"Content-Type", "application/json"},
        {"Content-Length", "600"}, {"User-Agent", "Stalwart/0.16.19"}};
    QByteArray body = R"({"context":{"stage":")" + stage.toLatin1() + R"(","client":{"ip":")"
        + ip.toLatin1() + R"(","port":)" + QByteArray::number(port)
        + R"(,"ptr":"mx.sender.example","helo":"mx.sender.example","activeConnections":1},)"
        + R"("tls":{"version":"TLSv1.3","cipher":"TLS13_AES_256_GCM_SHA384"},)"
        + R"("server":{"name":"Stalwart v0.16.19","port":25,"ip":"198.51.100.2"},)"
        + R"("protocol":{"version":1}},"envelope":{"from":{"address":")" + from.toLatin1()
        + R"("},"to":[{"address":")" + to.toLatin1() + R"("}]}})";
    if (step == 4) {
        body.chop(1);
        body += R"(,"message":{"headers":[["Subject"," Weekly report )"
            + QByteArray::number(session)
            + R"(\r\n"]],"contents":"Numbers attached.\r\n","size":412}})";
    }
    e.requestBody = body;
    e.kind = Mock::ExchangeKind::Hook;
    e.dialect = MtaHooks::Dialect::Stalwart;
    e.encoding = MtaHooks::Encoding::Json;
    e.stage = MtaHooks::stageFromName(stage);
    e.stageName = stage;
    e.clientIp = ip;
    e.clientPort = port;
    e.clientEhlo = u"mx.sender.example"_s;
    if (step >= 2)
        e.mailFrom = from;
    if (step >= 3)
        e.recipients = {to};
    if (step == 4) {
        e.queueId = QString::number(0x2e4bb2b71203601LL + session, 16);
        e.subject = u"Weekly report %1"_s.arg(session);
        e.messageSize = 412;
        e.hasAttachment = session % 10 == 0;
    }
    if (n % 50 == 0)
        e.problems = {{u"/context/client/ptr"_s, MtaHooks::Severity::Warning, u"no PTR"_s}};
    const bool reject = step == 3 && session % 5 == 0;
    e.ruleName = reject ? u"Reject partners"_s : u"default"_s;
    e.action = reject ? MtaHooks::Action::Reject : MtaHooks::Action::Accept;
    e.verdict = reject ? MtaHooks::Verdict::Reject : MtaHooks::Verdict::Accept;
    e.replyCode = reject ? 550 : 250;
    e.httpStatus = 200;
    e.responseHeaders = {{"Content-Type", "application/json"}};
    e.responseBody
        = reject ? R"({"action":"reject","response":{"status":550}})" : R"({"action":"accept"})";
    e.latencyUs = 300 + n % 700;
    return e;
}

bool generate(const QString &path, qint64 total)
{
    QFile::remove(path);
    QFile::remove(path + u"-wal"_s);
    QFile::remove(path + u"-shm"_s);
    CaptureStore store;
    if (!store.open(path)) {
        std::fprintf(
            stderr, "cannot create %s: %s\n", qPrintable(path), qPrintable(store.lastError()));
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    // saveAll() is one transaction over prepared statements. Batches of 50,000 keep the
    // generator's own memory flat; in WAL mode with synchronous=NORMAL a commit is an append
    // without fsync, so 20 commits cost the same as one.
    constexpr qint64 batchSize = 50'000;
    for (qint64 first = 0; first < total; first += batchSize) {
        QList<Exchange> batch;
        batch.reserve(batchSize);
        for (qint64 n = first; n < std::min(total, first + batchSize); ++n)
            batch.append(makeExchange(n));
        if (!store.saveAll(batch)) {
            std::fprintf(stderr, "save failed: %s\n", qPrintable(store.lastError()));
            return false;
        }
    }
    store.close(); // checkpoints the WAL into the main file
    std::printf("generated %lld exchanges in %.1f s (%.0f per second), %.0f MiB on disk\n",
        static_cast<long long>(total), timer.elapsed() / 1000.0,
        total * 1000.0 / std::max<qint64>(1, timer.elapsed()), QFileInfo(path).size() / 1048576.0);
    std::fflush(stdout);
    return true;
}

// Wall-clock milliseconds; the CPU time of this process goes to *cpu, because on a busy machine
// the wall clock also counts the time other processes had the CPU.
template<typename F>
double timed(F &&f, double *cpu = nullptr)
{
    const double cpuStart = cpuMs();
    QElapsedTimer timer;
    timer.start();
    f();
    const double wall = timer.nsecsElapsed() / 1e6;
    if (cpu)
        *cpu = cpuMs() - cpuStart;
    return wall;
}

// Runs f, then prints its times and what describe() says about the result (called after f).
template<typename F, typename D>
void row(const char *label, F &&f, D &&describe)
{
    double cpu = 0;
    const double wall = timed(std::forward<F>(f), &cpu);
    std::printf(
        "  %-38s %8.1f ms wall %8.1f ms cpu  %s\n", label, wall, cpu, qPrintable(describe()));
}

int measure(const QString &path, bool cold)
{
    if (cold)
        evictFromPageCache(path);
    const qint64 baseline = statusKiB("VmRSS");
    CaptureStore store;
    bool opened = false;
    std::printf("%s, %s page cache\n", qPrintable(path), cold ? "cold" : "warm");
    row(
        "open", [&] { opened = store.open(path); }, [] { return QString(); });
    if (!opened) {
        std::fprintf(
            stderr, "cannot open %s: %s\n", qPrintable(path), qPrintable(store.lastError()));
        return 1;
    }
    const qint64 afterOpen = statusKiB("VmRSS");
    qint64 n = 0;
    QList<Exchange> page;
    const auto number = [&n] { return QString::number(n); };
    const auto rows = [&page] {
        return u"%1 rows, ids %2…"_s.arg(page.size()).arg(page.isEmpty() ? 0 : page.first().id);
    };
    row(
        "count()", [&] { n = store.count(); }, number);
    const qint64 total = n;
    row(
        "list(offset 0, limit 100)", [&] { page = store.list({}, 0, 100); }, rows);
    row(
        "list(offset 900000, limit 100)", [&] { page = store.list({}, 900'000, 100); }, rows);
    const qint64 afterLists = statusKiB("VmRSS");

    // Beyond the acceptance figures: what a filtering user does next.
    using F = CaptureTerm::Field;
    const auto q = [](F field, const QString &value) {
        return CaptureQuery {{{field, value, false}}};
    };
    const auto count = [&](const char *label, const CaptureQuery &query) {
        row(
            label, [&] { n = store.count(query); }, number);
    };
    count("count(stage:data)  [index]", q(F::Stage, u"data"_s));
    row(
        "list(stage:data, offset 150000)",
        [&] { page = store.list(q(F::Stage, u"data"_s), 150'000, 100); }, rows);
    count("count(action:reject)  [scan]", q(F::Action, u"reject"_s));
    count("count(free text)  [scan]", q(F::Text, u"report 199999"_s));
    count("count(to:rcpt12*@example.com)  [scan]", q(F::To, u"rcpt12*@example.com"_s));
    count("count(from:user42@*)  [scan]", q(F::From, u"user42@*"_s));
    row(
        "list(free text, offset 0, limit 100)",
        [&] { page = store.list(q(F::Text, u"weekly"_s), 0, 100); }, rows);
    row(
        "sessionCount()", [&] { n = store.sessionCount(); }, number);
    row(
        "sessions(offset 150000, limit 100)", [&] { store.sessions({}, 150'000, 100); },
        [] { return QString(); });
    row(
        "indexOf(last id)", [&] { n = store.indexOf(total); }, number);
    row(
        "load(one exchange with bodies)", [&] { page = {*store.load(total / 2)}; }, rows);
    std::printf("  VmRSS: %lld KiB before open, %lld KiB after open, %lld KiB after the three "
                "acceptance queries, %lld KiB at the end (peak VmHWM %lld KiB)\n",
        static_cast<long long>(baseline), static_cast<long long>(afterOpen),
        static_cast<long long>(afterLists), static_cast<long long>(statusKiB("VmRSS")),
        static_cast<long long>(statusKiB("VmHWM")));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Capture store benchmark: open and page a large database"_s);
    parser.addHelpOption();
    const QCommandLineOption dbOption(u"db"_s, u"Database file"_s, u"path"_s,
        QDir::temp().filePath(u"hookscope-capture-bench.db"_s));
    const QCommandLineOption countOption(
        u"exchanges"_s, u"Exchanges to generate"_s, u"n"_s, u"1000000"_s);
    const QCommandLineOption regenerateOption(
        u"regenerate"_s, u"Generate even if the file exists"_s);
    const QCommandLineOption coldOption(u"cold"_s, u"Evict the file from the page cache first"_s);
    const QCommandLineOption measureOption(u"measure-only"_s, u"Only measure (used internally)"_s);
    parser.addOptions({dbOption, countOption, regenerateOption, coldOption, measureOption});
    parser.process(app);
    const QString path = parser.value(dbOption);
    const bool cold = parser.isSet(coldOption);
    if (parser.isSet(measureOption))
        return measure(path, cold);

    if (parser.isSet(regenerateOption) || !QFileInfo::exists(path)) {
        if (!generate(path, parser.value(countOption).toLongLong()))
            return 1;
    }
    QStringList arguments {u"--measure-only"_s, u"--db"_s, path};
    if (cold)
        arguments.append(u"--cold"_s);
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedChannels);
    child.start(QCoreApplication::applicationFilePath(), arguments);
    child.waitForFinished(-1);
    return child.exitStatus() == QProcess::NormalExit ? child.exitCode() : 1;
}
