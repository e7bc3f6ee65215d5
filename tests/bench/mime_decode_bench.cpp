// SPDX-License-Identifier: GPL-3.0-or-later
// Decodes one message file the way `hookscope decode` does and reports time and peak memory on
// stderr; mime_decode_bench.py compares it with Python's email package.
//
//   mime_decode_bench FILE [--json] [--inline-blobs]
//
// Without --json it prints one line per part (id, type, size, sha256) to stdout; with --json
// the JMAP Email (blobIds, or the content with --inline-blobs).
#include "mock/mime/jmapview.h"
#include "mock/mime/mimedecoder.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QStringList>

#include <cstdio>

#include <sys/resource.h>

using namespace MtaHooks::Mime;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList arguments = QCoreApplication::arguments().mid(1);
    const bool json = arguments.removeAll(QStringLiteral("--json")) > 0;
    const bool inlineBlobs = arguments.removeAll(QStringLiteral("--inline-blobs")) > 0;
    if (arguments.size() != 1) {
        std::fprintf(stderr, "usage: mime_decode_bench FILE [--json] [--inline-blobs]\n");
        return 2;
    }

    QElapsedTimer timer;
    timer.start();
    QString error;
    const MimeMessage message = MimeDecoder::decodeFile(arguments.first(), &error);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    const qint64 decoded = timer.elapsed();

    QFile out;
    if (!out.open(stdout, QIODevice::WriteOnly))
        return 1;
    if (json) {
        JmapOptions options;
        options.inlineBlobs = inlineBlobs;
        options.properties = QStringList {QStringLiteral("size"), QStringLiteral("headers"),
            QStringLiteral("messageId"), QStringLiteral("from"), QStringLiteral("to"),
            QStringLiteral("subject"), QStringLiteral("sentAt"), QStringLiteral("bodyStructure"),
            QStringLiteral("bodyValues"), QStringLiteral("textBody"), QStringLiteral("htmlBody"),
            QStringLiteral("attachments"), QStringLiteral("hasAttachment"),
            QStringLiteral("preview")};
        if (!writeJmapEmailJson(&out, message, options))
            return 1;
        out.write("\n");
    } else {
        const QList<MimePart> parts = message.allParts();
        for (const MimePart &part : parts) {
            out.write(part.partId().toUtf8() + ' ' + part.contentType().toUtf8() + ' '
                + QByteArray::number(part.size()) + ' ' + part.sha256() + '\n');
        }
    }
    out.close();

    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::fprintf(stderr, "decode %lld ms, total %lld ms, peak RSS %ld KiB, message %lld bytes\n",
        decoded, timer.elapsed(), usage.ru_maxrss, qint64(message.raw.size()));
    return 0;
}
