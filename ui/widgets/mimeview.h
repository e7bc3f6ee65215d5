// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QWidget>

// A message the way a mail client shows it, and the way a debugger wants it: the MIME tree
// (type, size, charset, filename, defects), a header table (decoded and raw), the text part, the
// HTML part rendered safely (no scripts, no remote loads — there is no button to allow them),
// attachments (save, open with), and the raw source with a hex view for binary parts.
class MimeView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MimeView)

public:
    explicit MimeView(QWidget *parent = nullptr);
    ~MimeView() override;

    void setMessage(const MtaHooks::Mime::MimeMessage &message);
    void clear();
    MtaHooks::Mime::MimeMessage message() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};
