// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline over a capture database of a million exchanges: the acceptance figures of the
// session model (open in under a second, smooth scrolling, under 300 MB). Not a ctest test: run
// it by hand.
//
//   bench_timeline [--db PATH] [--exchanges N] [--regenerate] [--cold] [--seed N]
//
// Without a database at PATH (default: a file in the temp folder) it first generates one, then
// measures in a fresh child process, so that the figures (memory above all) are those of a
// program that only opened the file. --cold evicts the file from the page cache first.

#include "mock/capture/capturestore.h"
#include "mock/capture/filterlanguage.h"
#include "tests/bench/benchprocess.h"
#include "ui/models/sessionmodel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QTreeView>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using Mock::CaptureStore;
using Mock::Exchange;
using Mock::parseFilter;

using Bench::cpuMs;
using Bench::evictFromPageCache;
using Bench::statusKiB;

namespace {

constexpr qint64 start = 1772619630000; // 2026-03-04T10:20:30Z
constexpr int inFlight = 8; // sessions open at once: their calls interleave
constexpr int screenRows = 50;

double mib(qint64 kib)
{
    return kib / 1024.0;
}

// The calls of session s: connect, ehlo, mail, one to three rcpt, data (5 to 7 calls, 6 on
// average). Every fifth session is rejected at its first rcpt and ends there; one call in fifty
// has a problem; one session in a hundred answers a call with a 503 fault.
QList<Exchange> makeSession(qint64 s)
{
    const QString ip = u"10.%1.%2.%3"_s.arg(s / 65536 % 256).arg(s / 256 % 256).arg(s % 256);
    const int port = 1024 + int(s % 60000);
    const QString key = u"%1:%2@%3"_s.arg(ip).arg(port).arg(start + s * 250);
    const QString from = u"user%1@sender%2.example"_s.arg(s % 5000).arg(s % 97);
    const int recipients = 1 + int(s % 3) + (s % 7 == 0 ? 1 : 0); // 1..4, mean ~2.1
    const bool rejected = s % 5 == 0;
    QStringList stages {u"connect"_s, u"ehlo"_s, u"mail"_s};
    for (int i = 0; i < recipients; ++i)
        stages.append(u"rcpt"_s);
    stages.append(u"data"_s);
    if (rejected)
        stages = stages.mid(0, 4);

    QList<Exchange> calls;
    QStringList to;
    for (qsizetype step = 0; step < stages.size(); ++step) {
        const QString &stage = stages.at(step);
        Exchange e;
        e.sessionKey = key;
        e.sequence = int(step + 1);
        e.received = QDateTime::fromMSecsSinceEpoch(start + s * 250 + step * 35, Qt::UTC);
        e.peerAddress = u"127.0.0.1"_s;
        e.peerPort = quint16(40000 + s % 20000);
        e.method = "POST";
        e.path = "/hook";
        e.requestHeaders = {{"Host", "127.0.0.1:8025"}, {"Content-Type", "application/json"},
            {"User-Agent", "Stalwart/0.16.19"}};
        if (stage == u"rcpt"_s)
            to.append(u"rcpt%1@example.com"_s.arg((s + step) % 3000));
        QByteArray body = R"({"context":{"stage":")" + stage.toLatin1() + R"(","client":{"ip":")"
            + ip.toLatin1() + R"(","port":)" + QByteArray::number(port)
            + R"(,"ptr":"mx.sender.example","helo":"mx.sender.example"},)"
            + R"("tls":{"version":"TLSv1.3","cipher":"TLS13_AES_256_GCM_SHA384"},)"
            + R"("server":{"name":"Stalwart v0.16.19","port":25,"ip":"198.51.100.2"},)"
            + R"("protocol":{"version":1}},"envelope":{"from":{"address":")" + from.toLatin1()
            + R"("},"to":[]}})";
        if (stage == u"data"_s) {
            body.chop(1);
            body += R"(,"message":{"headers":[["Subject"," Weekly report )" + QByteArray::number(s)
                + R"(\r\n"]],"contents":"Numbers attached.\r\n","size":412}})";
        }
        e.requestBody = body;
        e.kind = Mock::ExchangeKind::Hook;
        e.dialect = s % 3 == 0 ? MtaHooks::Dialect::Draft01 : MtaHooks::Dialect::Stalwart;
        e.encoding = MtaHooks::Encoding::Json;
        e.stage = MtaHooks::stageFromName(stage);
        e.stageName = stage;
        e.clientIp = ip;
        e.clientPort = port;
        e.clientEhlo = u"mx.sender.example"_s;
        if (step >= 2)
            e.mailFrom = from;
        e.recipients = to;
        if (stage == u"data"_s) {
            e.queueId = QString::number(0x2e4bb2b71203601LL + s, 16);
            e.subject = u"Weekly report %1"_s.arg(s);
            e.messageSize = 412;
            e.hasAttachment = s % 10 == 3;
        }
        if ((s * 7 + step) % 50 == 0)
            e.problems = {{u"/context/client/ptr"_s, MtaHooks::Severity::Warning, u"no PTR"_s}};
        const bool reject = rejected && step == 3;
        e.ruleName = reject ? u"Reject partners"_s : u"default"_s;
        e.action = reject ? MtaHooks::Action::Reject : MtaHooks::Action::Accept;
        e.verdict = reject ? MtaHooks::Verdict::Reject : MtaHooks::Verdict::Accept;
        e.replyCode = reject ? 550 : 250;
        e.httpStatus = 200;
        if (s % 100 == 1 && step == 1) {
            e.fault = u"http503"_s;
            e.httpStatus = 503;
            e.verdict = MtaHooks::Verdict::Error;
        }
        e.responseHeaders = {{"Content-Type", "application/json"}};
        e.responseBody = reject ? R"({"action":"reject","response":{"status":550}})"
                                : R"({"action":"accept"})";
        e.latencyUs = 300 + (s * 13 + step * 101) % 2700;
        calls.append(e);
    }
    return calls;
}

bool generate(const QString &path, qint64 total)
{
    for (const QString &file : QStringList {path, path + u"-wal"_s, path + u"-shm"_s})
        QFile::remove(file);
    CaptureStore store;
    if (!store.open(path)) {
        std::fprintf(
            stderr, "cannot create %s: %s\n", qPrintable(path), qPrintable(store.lastError()));
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    // Sessions are produced inFlight at a time and their calls dealt round robin, as an MTA with
    // several connections open sends them; batches of ~50,000 keep memory flat.
    qint64 written = 0;
    qint64 sessions = 0;
    QList<Exchange> batch;
    while (written < total) {
        QList<QList<Exchange>> open;
        for (int i = 0; i < inFlight; ++i)
            open.append(makeSession(sessions++));
        for (qsizetype step = 0; written < total; ++step) {
            bool any = false;
            for (const QList<Exchange> &calls : std::as_const(open)) {
                if (step < calls.size() && written < total) {
                    batch.append(calls.at(step));
                    ++written;
                    any = true;
                }
            }
            if (!any)
                break;
        }
        if (batch.size() >= 50'000 || written >= total) {
            if (!store.saveAll(batch)) {
                std::fprintf(stderr, "save failed: %s\n", qPrintable(store.lastError()));
                return false;
            }
            batch.clear();
        }
    }
    store.close();
    std::printf("generated %lld exchanges in %lld sessions in %.1f s, %.0f MiB on disk\n",
        static_cast<long long>(written), static_cast<long long>(sessions), timer.elapsed() / 1000.0,
        QFileInfo(path).size() / 1048576.0);
    std::fflush(stdout);
    return true;
}

struct Timing
{
    double wall = 0;
    double cpu = 0;
};

template<typename F>
Timing timed(F &&f)
{
    const double cpuStart = cpuMs();
    QElapsedTimer timer;
    timer.start();
    f();
    return {timer.nsecsElapsed() / 1e6, cpuMs() - cpuStart};
}

// What a tree view asks for each visible cell when it paints a row.
int paintRow(const QAbstractItemModel &model, const QModelIndex &first)
{
    static const int roles[]
        = {Qt::DisplayRole, Qt::DecorationRole, Qt::ForegroundRole, Qt::BackgroundRole,
            Qt::TextAlignmentRole, Qt::FontRole, Qt::CheckStateRole, Qt::SizeHintRole};
    int filled = 0;
    for (int column = 0; column < model.columnCount(); ++column) {
        const QModelIndex cell = first.siblingAtColumn(column);
        for (const int role : roles) {
            if (model.data(cell, role).isValid() && role == Qt::DisplayRole)
                ++filled;
        }
    }
    model.hasChildren(first);
    return filled;
}

int paintScreen(const QAbstractItemModel &model, int firstRow)
{
    int filled = 0;
    const int last = std::min(model.rowCount(), firstRow + screenRows);
    for (int row = firstRow; row < last; ++row)
        filled += paintRow(model, model.index(row, 0));
    return filled;
}

void printRow(const char *label, const Timing &t, const QString &note = {})
{
    std::printf("  %-44s %9.1f ms wall %9.1f ms cpu  %s\n", label, t.wall, t.cpu, qPrintable(note));
}

QString memory()
{
    return u"VmRSS %1 MiB"_s.arg(mib(statusKiB("VmRSS")), 0, 'f', 1);
}

struct Stats
{
    double median = 0;
    double p90 = 0;
    double max = 0;
    double total = 0;
};

Stats stats(QList<double> values)
{
    Stats s;
    if (values.isEmpty())
        return s;
    std::sort(values.begin(), values.end());
    s.median = values.at(values.size() / 2);
    s.p90 = values.at(std::min<qsizetype>(values.size() - 1, values.size() * 9 / 10));
    s.max = values.last();
    for (const double v : values)
        s.total += v;
    return s;
}

int measure(const QString &path, bool cold, quint32 seed)
{
    if (cold)
        evictFromPageCache(path);
    std::printf("%s, %s page cache\n", qPrintable(path), cold ? "cold" : "warm");
    std::printf("  %-44s %s\n", "before open", qPrintable(memory()));
    QRandomGenerator random(seed);

    // Open: what the window does before the user sees the first screen.
    CaptureStore store;
    std::unique_ptr<SessionModel> model;
    bool opened = false;
    int filled = 0;
    const Timing openStore = timed([&] { opened = store.open(path); });
    if (!opened) {
        std::fprintf(
            stderr, "cannot open %s: %s\n", qPrintable(path), qPrintable(store.lastError()));
        return 1;
    }
    const Timing construct = timed([&] { model = std::make_unique<SessionModel>(&store); });
    const Timing firstScreen = timed([&] { filled = paintScreen(*model, 0); });
    printRow("CaptureStore::open", openStore);
    printRow("SessionModel construction", construct, u"%1 sessions"_s.arg(model->rowCount()));
    printRow(
        "first screen (50 rows × 8 columns)", firstScreen, u"%1 cells with text"_s.arg(filled));
    const Timing open {openStore.wall + construct.wall + firstScreen.wall,
        openStore.cpu + construct.cpu + firstScreen.cpu};
    printRow("= OPEN (open + model + first screen)", open, memory());
    // (Each Timing is taken before the note that reports its result is built.)
    // The same through a real view: what a QTreeView asks of the model to show its first
    // screen (offscreen platform, rendered with grab()).
    {
        CaptureStore viewStore;
        viewStore.open(path);
        std::unique_ptr<SessionModel> viewModel;
        QTreeView view;
        view.setUniformRowHeights(true);
        view.resize(1400, 1000);
        const Timing shown = timed([&] {
            viewModel = std::make_unique<SessionModel>(&viewStore);
            view.setModel(viewModel.get());
            view.show();
            QCoreApplication::processEvents();
            view.grab();
        });
        printRow("QTreeView: model + show + first paint", shown,
            u"%1 store reads"_s.arg(viewModel->cacheStats().storeReads));
        const Timing bottom = timed([&] {
            view.scrollToBottom();
            view.grab();
        });
        printRow("QTreeView: scroll to the bottom + paint", bottom,
            u"%1 store reads"_s.arg(viewModel->cacheStats().storeReads));
        const Timing expanded = timed([&] {
            view.expand(viewModel->index(viewModel->rowCount() - 1, 0));
            view.grab();
        });
        printRow("QTreeView: expand the last session + paint", expanded,
            u"%1 calls"_s.arg(viewModel->rowCount(viewModel->index(viewModel->rowCount() - 1, 0))));
        view.setModel(nullptr);
    }

    qint64 count = 0;
    Timing t = timed([&] { count = model->exchangeCount(); });
    printRow("exchangeCount() (status bar)", t, QString::number(count));
    t = timed([&] { filled = paintScreen(*model, model->rowCount() - screenRows); });
    printRow("last screen (the live tail)", t, u"%1 cells with text"_s.arg(filled));

    // Scrolling: a screen at each of 50 random positions (dragging the scroll bar thumb).
    const int rows = model->rowCount();
    QList<double> jumps;
    QList<double> jumpsCpu;
    for (int i = 0; i < 50; ++i) {
        const int at = int(random.bounded(quint32(std::max(1, rows - screenRows))));
        const Timing jump = timed([&] { paintScreen(*model, at); });
        jumps.append(jump.wall);
        jumpsCpu.append(jump.cpu);
    }
    Stats s = stats(jumps);
    const Stats c = stats(jumpsCpu);
    std::printf("  %-44s %9.1f ms total; per screen median %.1f, p90 %.1f, max %.1f ms wall; "
                "median %.1f, max %.1f ms cpu  %s\n",
        "scroll: 50 random screens", s.total, s.median, s.p90, s.max, c.median, c.max,
        qPrintable(memory()));
    // Scrolling line by line from a random place: 200 steps of one row.
    {
        const int from = int(random.bounded(quint32(std::max(1, rows - 300))));
        QList<double> steps;
        for (int step = 0; step < 200; ++step)
            steps.append(timed([&] { paintScreen(*model, from + step); }).wall);
        s = stats(steps);
        std::printf("  %-44s %9.1f ms total; per frame median %.2f, p90 %.2f, max %.2f ms\n",
            "scroll: 200 one-row steps", s.total, s.median, s.p90, s.max);
    }

    // Expanding 20 sessions: fetchMore and painting their calls.
    QList<double> expansions;
    int children = 0;
    for (int i = 0; i < 20; ++i) {
        const int at = int(random.bounded(quint32(rows)));
        expansions.append(timed([&] {
            const QModelIndex parent = model->index(at, 0);
            while (model->canFetchMore(parent))
                model->fetchMore(parent);
            for (int row = 0; row < model->rowCount(parent); ++row)
                paintRow(*model, model->index(row, 0, parent));
            children += model->rowCount(parent);
        }).wall);
    }
    s = stats(expansions);
    std::printf("  %-44s %9.1f ms total; per session median %.2f, max %.2f ms; %d calls\n",
        "expand 20 sessions", s.total, s.median, s.max, children);

    // Jump to an exchange somewhere in the middle (selection from a search, a link).
    QModelIndex found;
    t = timed([&] { found = model->indexForExchange(count / 2); });
    printRow("indexForExchange(middle id)", t,
        found.isValid() ? u"row %1 of session row %2"_s.arg(found.row()).arg(found.parent().row())
                        : u"not found"_s);

    // Live: new calls saved through the store while the model watches.
    model->followStore();
    // Sessions numbered past the generated ones; removed again below, so that the database
    // stays the same from run to run.
    QList<Exchange> live;
    for (qint64 s2 = 0; s2 < 20; ++s2)
        live += makeSession(10'000'000 + s2);
    t = timed([&] {
        for (Exchange &e : live)
            store.save(e);
    });
    printRow("live: save 20 new sessions through the model", t,
        u"%1 calls, %2 sessions now"_s.arg(live.size()).arg(model->rowCount()));
    t = timed([&] { filled = paintScreen(*model, model->rowCount() - screenRows); });
    printRow("live: the tail screen after them", t);

    const SessionModel::CacheStats before = model->cacheStats();
    std::printf("  cache: %d pages of %d sessions, %d session details, %d expanded sessions, "
                "%lld store reads  %s\n",
        before.cachedPages, before.pageSize, before.cachedDetails, before.expandedSessions,
        static_cast<long long>(before.storeReads), qPrintable(memory()));

    // A filter over the whole database (the filter bar).
    for (const QString &filter : {u"action:reject"_s, u"stage:data has:attachment"_s}) {
        int matching = 0;
        t = timed([&] {
            model->setQuery(parseFilter(filter).query);
            matching = model->rowCount();
            filled = paintScreen(*model, 0);
        });
        printRow(qPrintable(u"filter %1: reset + first screen"_s.arg(filter)), t,
            u"%1 sessions"_s.arg(matching));
        t = timed([&] { paintScreen(*model, matching / 2); });
        printRow("  a screen in the middle", t);
        t = timed([&] { paintScreen(*model, matching / 2 + screenRows); });
        printRow("  the next screen", t);
    }
    model->setQuery({});
    QList<qint64> liveIds;
    for (const Exchange &e : std::as_const(live))
        liveIds.append(e.id);
    store.remove(liveIds);

    // The store calls behind the figures above, one at a time.
    std::printf("store calls the model makes:\n");
    const Mock::CaptureQuery none;
    QList<Mock::SessionSummary> page;
    for (const qint64 offset : {qint64(0), qint64(rows / 2), qint64(rows - 256)}) {
        t = timed([&] { page = store.sessions(none, offset, 256); });
        printRow(qPrintable(u"sessions(offset %1, 256)"_s.arg(offset)), t);
    }
    QList<double> lists;
    for (int i = 0; i < 200; ++i) {
        const QString key = page.at(i % page.size()).sessionKey;
        lists.append(timed([&] {
            store.list({{{Mock::CaptureTerm::Field::Session, key, false}}}, 0, 64);
        }).cpu);
    }
    s = stats(lists);
    std::printf("  %-44s median %.3f ms cpu, max %.3f ms cpu\n",
        "list(session:KEY, 0, 64) (a row's stage path)", s.median, s.max);
    const Mock::CaptureQuery one {
        {{Mock::CaptureTerm::Field::Session, page.first().sessionKey, false}}};
    t = timed([&] { store.sessions(one, 0, 1); });
    printRow("sessions(session:KEY, 0, 1) (a live update)", t);
    t = timed([&] { count = store.count(one); });
    printRow("count(session:KEY) (a live call, off screen)", t);
    t = timed([&] { count = store.sessionCount(parseFilter(u"action:reject"_s).query); });
    printRow("sessionCount(action:reject)", t, QString::number(count));
    t = timed([&] { page = store.sessions(parseFilter(u"action:reject"_s).query, 20000, 256); });
    printRow("sessions(action:reject, offset 20000, 256)", t);
    t = timed([&] { page = store.sessions(parseFilter(u"action:reject"_s).query, 0, 50001); });
    printRow("sessions(action:reject, 0, 50001)", t, u"%1 sessions"_s.arg(page.size()));
    std::printf(
        "  %-44s %s, peak VmHWM %.1f MiB\n", "end", qPrintable(memory()), mib(statusKiB("VmHWM")));
    std::printf("ACCEPTANCE open %.0f ms (< 1000), peak memory %.0f MiB (< 300): %s\n", open.wall,
        mib(statusKiB("VmHWM")),
        open.wall < 1000 && mib(statusKiB("VmHWM")) < 300 ? "met" : "NOT met");
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    // The model draws verdict dots (QPixmap): a GUI application, without a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Timeline benchmark: the session model over a large "
                                     "capture database"_s);
    parser.addHelpOption();
    const QCommandLineOption dbOption(u"db"_s, u"Database file"_s, u"path"_s,
        QDir::temp().filePath(u"hookscope-timeline-bench.db"_s));
    const QCommandLineOption countOption(
        u"exchanges"_s, u"Exchanges to generate"_s, u"n"_s, u"1000000"_s);
    const QCommandLineOption regenerateOption(
        u"regenerate"_s, u"Generate even if the file exists"_s);
    const QCommandLineOption coldOption(u"cold"_s, u"Evict the file from the page cache first"_s);
    const QCommandLineOption seedOption(u"seed"_s, u"Random seed"_s, u"n"_s, u"1"_s);
    const QCommandLineOption measureOption(u"measure-only"_s, u"Only measure (used internally)"_s);
    parser.addOptions(
        {dbOption, countOption, regenerateOption, coldOption, seedOption, measureOption});
    parser.process(app);
    const QString path = parser.value(dbOption);
    const bool cold = parser.isSet(coldOption);
    const quint32 seed = parser.value(seedOption).toUInt();
    if (parser.isSet(measureOption))
        return measure(path, cold, seed);

    if (parser.isSet(regenerateOption) || !QFileInfo::exists(path)) {
        if (!generate(path, parser.value(countOption).toLongLong()))
            return 1;
    }
    QStringList arguments {
        u"--measure-only"_s, u"--db"_s, path, u"--seed"_s, QString::number(seed)};
    if (cold)
        arguments.append(u"--cold"_s);
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedChannels);
    child.start(QCoreApplication::applicationFilePath(), arguments);
    child.waitForFinished(-1);
    return child.exitStatus() == QProcess::NormalExit ? child.exitCode() : 1;
}
