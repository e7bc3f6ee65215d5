// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/mime/mimepart.h"

#include <QWidget>

#include <memory>

class QTabWidget;
class QTreeView;
class SafeHtmlView;

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

    // The part tabs, the selected part, and access for tests and the window's shortcuts.
    enum PartTab { HeadersTab, TextTab, HtmlTab, RawTab, HexTab, PartTabCount };
    // Selects a part by its partId ("" is the message itself); false when there is none.
    bool selectPart(const QString &partId);
    MtaHooks::Mime::MimePart currentPart() const;
    void setCurrentPartTab(PartTab tab);
    PartTab currentPartTab() const;
    bool isPartTabEnabled(PartTab tab) const;
    QTreeView *treeView() const;
    QTabWidget *partTabs() const;
    SafeHtmlView *htmlView() const;
    // What the Text, Raw and Hex tabs and the defect banners show.
    QString textContent() const;
    QString rawContent() const;
    QString hexContent() const;
    QString defectText() const; // the message's banner ("" when it has no defects)
    // Writes the selected part's decoded body to a private temporary folder (what "Open with…"
    // hands to the desktop); null and *error on failure or when the type is risky to open.
    QString writeTemporaryCopy(QString *error = nullptr);

private:
    void showPart(const MtaHooks::Mime::MimePart &part);
    void saveCurrentPart();
    void openCurrentPart();

    struct Private;
    std::unique_ptr<Private> d;
};
