// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/cliio.h"

#include <QFile>

#include <cstdio>

CommandIo standardIo()
{
    static QTextStream out(stdout);
    static QTextStream err(stderr);
    return {&out, &err};
}

bool readWholeFile(const QString &path, QByteArray *bytes, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    *bytes = file.readAll();
    return true;
}
