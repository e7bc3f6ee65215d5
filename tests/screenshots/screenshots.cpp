// SPDX-License-Identifier: GPL-3.0-or-later
// Takes the README's screenshots: starts the real window with a throw-away capture database, runs
// the demo into its own endpoint, then selects calls and tabs the way a newcomer would and grabs
// the window. Run through run.sh (under Xvfb); not a test.
#include "app/application.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/sessionfile.h"
#include "ui/heldcallpanel.h"
#include "ui/mainwindow.h"
#include "ui/replaypanel.h"
#include "ui/theme.h"
#include "ui/widgets/exchangedetail.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>

#include <functional>

using namespace Qt::StringLiterals;

namespace {

bool waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void settle(int ms = 300)
{
    waitFor([] { return false; }, ms);
}

// The call of a demo session (its note starts with the session's title) at a stage.
qint64 findCall(Mock::CaptureStore *store, const QString &title, MtaHooks::Stage stage)
{
    const qint64 total = store->count();
    for (const Mock::Exchange &summary : store->list({}, 0, int(total))) {
        if (summary.stage != stage)
            continue;
        const auto full = store->load(summary.id);
        if (full && full->note.startsWith(title))
            return summary.id;
    }
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(u"hookscope-screenshots"_s);
    QApplication::setApplicationName(u"hookscope"_s);
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : u"docs/screenshots"_s;
    QDir().mkpath(out);
    QTextStream log(stdout);
    QTemporaryDir dir;
    // A clean start: no rules or layout left by an earlier run.
    QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation)).removeRecursively();
    QSettings().clear();

    StartupOptions options;
    options.listenAddress = QHostAddress(QHostAddress::LocalHost);
    options.listenPort = 0;
    options.databasePath = dir.filePath(u"captures.sqlite"_s);
    Application application(options);
    if (!application.start())
        return 2;
    MainWindow *window = application.window();
    window->resize(1440, 900);
    settle();
    window->applyDefaultLayout();
    settle();
    // The first start: no calls yet, the details pane says how to connect an MTA.
    {
        settle(400);
        const QString path = out + u"/connect.png"_s;
        window->grab().save(path);
        log << "wrote " << path << '\n';
    }

    application.runDemo(0);
    if (!waitFor([&application] { return !application.isDemoRunning(); }, 120000)) {
        log << "the demo did not finish\n";
        return 1;
    }
    settle(800);
    auto shoot = [&](const QString &name) {
        settle(400);
        const QString path = out + u'/' + name + u".png"_s;
        window->grab().save(path);
        log << "wrote " << path << '\n';
    };
    auto show = [&](const QString &title, MtaHooks::Stage stage, ExchangeDetail::Tab tab) {
        const qint64 id = findCall(application.store(), title, stage);
        if (id == 0 || !window->selectExchange(id)) {
            log << "not found: " << title << ' ' << MtaHooks::stageName(stage) << '\n';
            return false;
        }
        window->detail()->setCurrentTab(tab);
        return true;
    };

    window->hideBanner();
    if (show(u"Spam rejected"_s, MtaHooks::Stage::Data, ExchangeDetail::OverviewTab))
        shoot(u"timeline"_s);
    if (show(u"Virus quarantined"_s, MtaHooks::Stage::Data, ExchangeDetail::MessageTab))
        shoot(u"message"_s);
    if (show(u"Subject tagged"_s, MtaHooks::Stage::Data, ExchangeDetail::AnswerTab))
        shoot(u"answer"_s);
    if (show(u"Malformed requests"_s, MtaHooks::Stage::Ehlo, ExchangeDetail::ProblemsTab))
        shoot(u"problems"_s);

    // The same at 1280×800, the smallest common screen: every column of the timeline in view.
    window->resize(1280, 800);
    settle(); // the new size reaches the window through the X server
    window->applyDefaultLayout();
    if (show(u"Spam rejected"_s, MtaHooks::Stage::Data, ExchangeDetail::OverviewTab))
        shoot(u"timeline-1280x800"_s);
    window->resize(1440, 900);
    settle();
    window->applyDefaultLayout();

    // Both themes: the shots above follow the desktop (light under Xvfb); these are View ▸ Theme ▸
    // Dark.
    applyTheme(Theme::Dark);
    if (show(u"Spam rejected"_s, MtaHooks::Stage::Data, ExchangeDetail::OverviewTab))
        shoot(u"timeline-dark"_s);
    if (show(u"Subject tagged"_s, MtaHooks::Stage::Data, ExchangeDetail::AnswerTab))
        shoot(u"answer-dark"_s);
    applyTheme(Theme::System);

    // A held call: the breakpoint on data, a request from "an MTA", the editor prefilled.
    application.rulebook()->setHeld(MtaHooks::Stage::Data, true);
    QNetworkAccessManager network;
    QNetworkRequest request(QUrl(application.endpoint()->url() + u"/hook"_s));
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    const QByteArray body
        = R"({"context":{"stage":"data","client":{"ip":"203.0.113.50","port":50600,"ptr":"mx.example.net","helo":"mx.example.net","activeConnections":1},"server":{"name":"Stalwart v0.16.19","port":25,"ip":"198.51.100.2"},"queue":{"id":"3f2a91c"},"protocol":{"version":1}},"envelope":{"from":{"address":"erin@example.net"},"to":[{"address":"bob@example.com"}]},"message":{"headers":[["From"," Erin <erin@example.net>\r\n"],["To"," bob@example.com\r\n"],["Subject"," Contract draft for review\r\n"]],"contents":"Please review the attached draft.\r\n","size":120}})";
    QNetworkReply *reply = network.post(request, body);
    waitFor([window] { return window->heldPanel()->isVisible(); }, 20000);
    window->detail()->setCurrentTab(ExchangeDetail::OverviewTab);
    shoot(u"held"_s);
    window->heldPanel()->release();
    waitFor([reply] { return reply->isFinished(); }, 20000);
    application.rulebook()->setHeld(MtaHooks::Stage::Data, false);

    // The mock MTA: two samples replayed against the own endpoint, answered by the demo's rules.
    QString rulesError;
    application.rulebook()->load(u":/samples/demo-rules.json"_s, &rulesError);
    ReplayPanel *replay = window->replayPanel();
    QFile spam(u":/samples/02-spam-rejected-stalwart.json"_s);
    QFile rcpt(u":/samples/04-rejected-recipient-draft01.json"_s);
    for (QFile *file : {&spam, &rcpt}) {
        file->open(QIODevice::ReadOnly);
        if (const auto sessions = Mock::SessionFile::read(file->readAll()))
            replay->addSessions(*sessions);
    }
    window->raiseReplay();
    replay->runButton()->click();
    waitFor([replay] { return replay->runButton()->isEnabled(); }, 30000);
    replay->resultsView()->expandAll();
    if (replay->resultsView()->topLevelItemCount() > 0)
        replay->resultsView()->setCurrentItem(replay->resultsView()->topLevelItem(0));
    shoot(u"replay"_s);
    return 0;
}
