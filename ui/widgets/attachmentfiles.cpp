// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/attachmentfiles.h"

#include "mock/mime/mimedecoder.h"

#include <QFileInfo>
#include <QMimeDatabase>
#include <QSaveFile>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::MimeDecoder;

namespace AttachmentFiles {

QString sanitizedFileName(const QString &name)
{
    QString clean;
    for (const QChar c : name) {
        const bool bad = c.unicode() < 0x20 || c == u'/' || c == u'\\' || c == u':' || c == u'*'
            || c == u'?' || c == u'"' || c == u'<' || c == u'>' || c == u'|' || c.unicode() == 0x7f;
        clean.append(bad ? u'_' : c);
    }
    clean = clean.trimmed();
    // No hidden files and no "..": a leading dot is dropped.
    while (clean.startsWith(u'.'))
        clean.remove(0, 1);
    if (clean.size() > 200)
        clean = clean.right(200);
    return clean;
}

QString suggestedFileName(const MtaHooks::Mime::MimePart &part)
{
    const QString named = sanitizedFileName(part.filename());
    if (!named.isEmpty())
        return named;
    QString suffix;
    if (part.isMessage())
        suffix = u"eml"_s;
    else
        suffix = QMimeDatabase().mimeTypeForName(part.contentType()).preferredSuffix();
    QString id = part.partId();
    id.replace(u'.', u'-');
    return u"part-"_s + (id.isEmpty() ? u"0"_s : id)
        + (suffix.isEmpty() ? u".bin"_s : u'.' + suffix);
}

bool isRiskyToOpen(const QString &fileName)
{
    static const QStringList risky {u"exe"_s, u"com"_s, u"bat"_s, u"cmd"_s, u"scr"_s, u"pif"_s,
        u"msi"_s, u"msp"_s, u"cpl"_s, u"dll"_s, u"jar"_s, u"js"_s, u"jse"_s, u"vbs"_s, u"vbe"_s,
        u"wsf"_s, u"wsh"_s, u"hta"_s, u"ps1"_s, u"psm1"_s, u"lnk"_s, u"url"_s, u"reg"_s, u"sh"_s,
        u"bash"_s, u"zsh"_s, u"csh"_s, u"command"_s, u"desktop"_s, u"app"_s, u"appimage"_s,
        u"run"_s, u"bin"_s, u"py"_s, u"pl"_s, u"rb"_s, u"apk"_s, u"deb"_s, u"rpm"_s, u"pkg"_s,
        u"dmg"_s, u"iso"_s, u"img"_s, u"vhd"_s, u"vhdx"_s, u"scf"_s, u"library-ms"_s,
        u"settingcontent-ms"_s, u"xll"_s, u"chm"_s, u"application"_s, u"gadget"_s, u"msc"_s,
        u"inf"_s};
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    return suffix.isEmpty() || risky.contains(suffix);
}

bool writePart(const MtaHooks::Mime::MimeMessage &message, const MtaHooks::Mime::MimePart &part,
    const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    MimeDecoder::decodeBody(
        message, part, [&file](QByteArrayView chunk) { file.write(chunk.data(), chunk.size()); });
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    // Owner read/write only: nothing written here is ever executable.
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

} // namespace AttachmentFiles
