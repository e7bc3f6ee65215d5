// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QString>

// Writing a part's decoded body to disk for "Save as…" and "Open with…". The file name comes from
// the message, so it is untrusted: only its last path component is kept, and control characters
// and separators are replaced.
namespace AttachmentFiles {

// "q3.pdf", or "part-2.pdf" from the content type when the part names no file.
QString suggestedFileName(const MtaHooks::Mime::MimePart &part);
QString sanitizedFileName(const QString &name);

// Types a desktop would run rather than show (executables, scripts, shortcuts, installers).
// "Open with…" refuses them; saving them is still allowed.
bool isRiskyToOpen(const QString &fileName);

// Streams the decoded body into path (atomically); false and *error on failure.
bool writePart(const MtaHooks::Mime::MimeMessage &message, const MtaHooks::Mime::MimePart &part,
    const QString &path, QString *error);

} // namespace AttachmentFiles
