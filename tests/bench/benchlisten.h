// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The --listen HOST:PORT argument of the bench servers (as `hookscope serve` takes it, so that
// serve_wrk.sh starts them alike); 127.0.0.1 and any free port without it.

#include <QAbstractHttpServer>
#include <QCoreApplication>
#include <QHostAddress>
#include <QStringList>

#include <cstdio>

struct BenchListen
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0;
};

inline BenchListen benchListen(const QStringList &arguments)
{
    BenchListen listen;
    const qsizetype at = arguments.indexOf(QStringLiteral("--listen"));
    if (at >= 0 && at + 1 < arguments.size()) {
        const QString &spec = arguments.at(at + 1);
        const qsizetype colon = spec.lastIndexOf(u':');
        listen.address = QHostAddress(spec.left(colon));
        listen.port = quint16(spec.mid(colon + 1).toUInt());
    }
    return listen;
}

// Listens, says where on standard output (what the scripts wait for), and runs the event loop.
inline int listenAndRun(QAbstractHttpServer &server, const BenchListen &listen)
{
    const quint16 bound = server.listen(listen.address, listen.port);
    if (bound == 0) {
        std::fprintf(
            stderr, "cannot listen on %s:%u\n", qPrintable(listen.address.toString()), listen.port);
        return 1;
    }
    std::printf("listening on %s:%u\n", qPrintable(listen.address.toString()), bound);
    std::fflush(stdout);
    return QCoreApplication::exec();
}
