// SPDX-License-Identifier: GPL-3.0-or-later
// The yardstick of the endpoint benchmarks: a bare QHttpServer route that answers every POST to
// /hook with a constant Stalwart answer, decoding and storing nothing. It takes the command line
// of `hookscope serve` (only --listen is used), so a benchmark can run it in hookscope's place
// and measure what Qt's engine costs by itself on the same machine in the same run.
#include <QCoreApplication>
#include <QHostAddress>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QStringList>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0;
    const qsizetype listen = arguments.indexOf(u"--listen"_s);
    if (listen >= 0 && listen + 1 < arguments.size()) {
        const QString spec = arguments.at(listen + 1);
        const qsizetype colon = spec.lastIndexOf(u':');
        address = QHostAddress(spec.left(colon));
        port = quint16(spec.mid(colon + 1).toUInt());
    }
    QHttpServer server;
    server.route(u"/hook"_s, QHttpServerRequest::Method::Post,
        [] { return QHttpServerResponse("application/json", R"({"action":"accept"})"); });
    const quint16 bound = server.listen(address, port);
    if (bound == 0) {
        std::fprintf(stderr, "cannot listen on %s:%u\n", qPrintable(address.toString()), port);
        return 1;
    }
    std::printf("listening on %s:%u\n", qPrintable(address.toString()), bound);
    std::fflush(stdout);
    return app.exec();
}
