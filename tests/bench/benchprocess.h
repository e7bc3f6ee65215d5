// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the capture benchmarks measure about this process (memory, CPU time) and how they make an
// open "cold" (the database out of the page cache). Header-only: each benchmark is one program.

#include <QFile>
#include <QStringList>

#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace Bench {

// VmRSS / VmHWM of this process in KiB; -1 when /proc is not there.
inline qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// The database and its log and index files leave the page cache, so the next open reads disk.
inline void evictFromPageCache(const QString &path)
{
    for (const QString &file :
        QStringList {path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")}) {
        const int fd = ::open(QFile::encodeName(file).constData(), O_RDONLY);
        if (fd < 0)
            continue;
        ::fdatasync(fd);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

// CPU time of this process in milliseconds.
inline double cpuMs()
{
    timespec now {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

} // namespace Bench
