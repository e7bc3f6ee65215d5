// SPDX-License-Identifier: GPL-3.0-or-later
#include "tests/support/testsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTest>

namespace TestSupport {

QString dataPath(const QString &relative)
{
    return QStringLiteral(HOOKSCOPE_TESTDATA_DIR) + QLatin1Char('/') + relative;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qWarning("cannot read %s", qPrintable(path));
        return {};
    }
    return file.readAll();
}

QByteArray readData(const QString &relative)
{
    return readFile(dataPath(relative));
}

bool hasShared()
{
    return QFileInfo(QStringLiteral(HOOKSCOPE_SHARED_DIR) + QStringLiteral("/protocol")).isDir();
}

QString sharedPath(const QString &relative)
{
    if (!hasShared())
        return {};
    return QDir::cleanPath(QStringLiteral(HOOKSCOPE_SHARED_DIR) + QLatin1Char('/') + relative);
}

QByteArray readShared(const QString &relative)
{
    return readFile(sharedPath(relative));
}

QString binaryDir()
{
    return QStringLiteral(HOOKSCOPE_BINARY_DIR);
}

QString hookscopeBinary()
{
    return binaryDir() + QStringLiteral("/app/hookscope");
}

} // namespace TestSupport
