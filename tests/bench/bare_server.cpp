// SPDX-License-Identifier: GPL-3.0-or-later
// The yardstick of the endpoint benchmarks: a bare QHttpServer route that answers every POST to
// /hook with a constant Stalwart answer, decoding and storing nothing. It takes the command line
// of `hookscope serve` (only --listen is used), so a benchmark can run it in hookscope's place
// and measure what Qt's engine costs by itself on the same machine in the same run.
#include "tests/bench/benchlisten.h"

#include <QCoreApplication>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QStringList>

using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    const BenchListen listen = benchListen(arguments);
    QHttpServer server;
    server.route(u"/hook"_s, QHttpServerRequest::Method::Post,
        [] { return QHttpServerResponse("application/json", R"({"action":"accept"})"); });
    return listenAndRun(server, listen);
}
