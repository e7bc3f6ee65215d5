// SPDX-License-Identifier: GPL-3.0-or-later
#include "tst_ui_widgetdata.h"

#include "mock/mime/mimedecoder.h"
#include "ui/widgets/attachmentfiles.h"
#include "ui/widgets/hexdump.h"
#include "ui/widgets/mimeview.h"
#include "ui/widgets/safehtmlview.h"

#include <QAbstractItemModel>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;
using MtaHooks::Mime::MimeDecoder;
using MtaHooks::Mime::MimeMessage;

namespace {

QStringList treeRows(const QAbstractItemModel *model, const QModelIndex &parent = {}, int depth = 0)
{
    QStringList rows;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        rows.append(QString(depth * 2, u' ') + index.data().toString());
        rows += treeRows(model, index, depth + 1);
    }
    return rows;
}

// Lays the HTML out, which is when QTextDocument asks for its resources.
void render(MimeView &view)
{
    view.setCurrentPartTab(MimeView::HtmlTab);
    view.show();
    (void)view.grab();
}

QByteArray bigAttachmentMessage(qsizetype bytes)
{
    QByteArray binary(bytes, '\0');
    for (qsizetype i = 0; i < bytes; ++i)
        binary[i] = char(i * 7);
    QByteArray raw
        = "From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: "
          "text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\n"
          "Content-Disposition: attachment; filename=\"../../evil.sh\"\r\n"
          "Content-Transfer-Encoding: base64\r\n\r\n";
    raw += binary.toBase64(QByteArray::Base64Encoding) + "\r\n--b--\r\n";
    return raw;
}

} // namespace

class TestMimeView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsTree();
    void showsTextAndHeaders();
    void rendersHtmlSafely();
    void refusesEveryRemoteScheme_data();
    void refusesEveryRemoteScheme();
    void blocksLocalFileFallback();
    void hexViewOfBinaryPart();
    void capsHugeParts();
    void showsDefects();
    void attachmentCopies();
    void clears();
};

void TestMimeView::showsTree()
{
    MimeView view;
    view.setMessage(WidgetData::message(u"ui/stalwart-data.eml"_s));
    const QStringList rows = treeRows(view.treeView()->model());
    QVERIFY2(rows.size() == 7, qPrintable(rows.join(u'\n')));
    QVERIFY(rows.at(0).contains(u"multipart/mixed"_s));
    QVERIFY(rows.at(1).contains(u"multipart/related"_s));
    QVERIFY(rows.at(2).contains(u"multipart/alternative"_s));
    QVERIFY(rows.at(3).contains(u"text/plain"_s));
    QVERIFY(rows.at(4).contains(u"text/html"_s));
    QVERIFY(rows.at(5).contains(u"image/png"_s));
    QVERIFY(rows.at(6).contains(u"application/pdf"_s));
    // The message opens on its HTML body.
    QCOMPARE(view.currentPartTab(), MimeView::HtmlTab);
    QVERIFY(view.defectText().isEmpty());
}

void TestMimeView::showsTextAndHeaders()
{
    MimeView view;
    view.setMessage(WidgetData::message(u"ui/stalwart-data.eml"_s));
    // The message itself: its headers, and its text body found below it.
    QVERIFY(view.isPartTabEnabled(MimeView::TextTab));
    QVERIFY(view.textContent().contains(u"Café at noon?"_s));
    view.setCurrentPartTab(MimeView::HeadersTab);
    const QAbstractItemModel *headers = view.findChild<QAbstractItemModel *>();
    QVERIFY(headers);

    // Part ids count every part depth-first (mixed 0, related 1, alternative 2, text 3 …).
    QVERIFY(view.selectPart(u"3"_s));
    QCOMPARE(view.currentPart().contentType(), u"text/plain"_s);
    QVERIFY(view.textContent().contains(u"Café at noon?"_s)); // quoted-printable decoded
    QVERIFY(!view.isPartTabEnabled(MimeView::HtmlTab));
    QVERIFY(view.rawContent().contains(u"Caf=C3=A9"_s)); // raw stays encoded

    QVERIFY(!view.selectPart(u"99"_s));
}

void TestMimeView::rendersHtmlSafely()
{
    MimeView view;
    view.resize(900, 600);
    view.setMessage(WidgetData::message(u"ui/stalwart-data.eml"_s));
    SafeHtmlView *html = view.htmlView();
    render(view);
    QVERIFY(html->openLinks() == false);
    QVERIFY(html->toPlainText().contains(u"Q3 figures"_s));
    const QList<QUrl> refused = html->refusedUrls();
    QVERIFY2(refused.contains(QUrl(u"http://tracker.example/pixel.gif?id=42"_s)),
        qPrintable(QUrl::toStringList(refused).join(u' ')));
    QVERIFY(refused.contains(QUrl(u"https://tracker.example/style.css"_s)));
    // The message's own logo is served from its part.
    QVERIFY(html->servedUrls().contains(QUrl(u"cid:logo@example.net"_s)));
    const QVariant logo
        = html->loadResource(QTextDocument::ImageResource, QUrl(u"cid:logo@example.net"_s));
    QCOMPARE(logo.value<QImage>().size(), QSize(12, 8));
    // The banner tells the user.
    const QList<QLabel *> labels = view.findChildren<QLabel *>();
    const bool announced = std::any_of(labels.cbegin(), labels.cend(), [](const QLabel *label) {
        return label->text().contains(u"never loads remote content"_s);
    });
    QVERIFY(announced);
    // Links are not followed: the document stays.
    Q_EMIT html->anchorClicked(QUrl(u"https://phish.example/login"_s));
    html->setSource(QUrl(u"https://phish.example/login"_s));
    QVERIFY(html->toPlainText().contains(u"Q3 figures"_s));
}

void TestMimeView::refusesEveryRemoteScheme_data()
{
    QTest::addColumn<QUrl>("url");
    QTest::addRow("http") << QUrl(u"http://tracker.example/a.png"_s);
    QTest::addRow("https") << QUrl(u"https://tracker.example/a.png"_s);
    QTest::addRow("ftp") << QUrl(u"ftp://files.example/a.png"_s);
    QTest::addRow("file") << QUrl(u"file:///etc/passwd"_s);
    QTest::addRow("relative") << QUrl(u"images/a.png"_s);
    QTest::addRow("absolute path") << QUrl(u"/etc/passwd"_s);
    QTest::addRow("unknown cid") << QUrl(u"cid:nothing@example.net"_s);
}

void TestMimeView::refusesEveryRemoteScheme()
{
    QFETCH(QUrl, url);
    SafeHtmlView view;
    view.setContent(WidgetData::message(u"ui/stalwart-data.eml"_s), u"<p>x</p>"_s);
    QSignalSpy refusedSpy(&view, &SafeHtmlView::resourceRefused);
    // Nothing of the resource comes back: a refused image is the placeholder, anything else an
    // empty string (never a null QVariant, see blocksLocalFileFallback).
    const QImage image = view.loadResource(QTextDocument::ImageResource, url).value<QImage>();
    QCOMPARE(image.text(u"hookscope"_s), u"blocked"_s);
    QCOMPARE(image.size(), QSize(16, 16));
    for (int type : {int(QTextDocument::StyleSheetResource), int(QTextDocument::HtmlResource)}) {
        const QVariant result = view.loadResource(type, url);
        QVERIFY(result.isValid());
        QVERIFY(result.toString().isEmpty());
    }
    QCOMPARE(view.refusedUrls(), QList<QUrl> {url});
    QCOMPARE(refusedSpy.count(), 1);
    QVERIFY(view.servedUrls().isEmpty());
}

void TestMimeView::blocksLocalFileFallback()
{
    // On a null loadResource() result QTextDocument reads local files itself. A real image on disk
    // must still not appear.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"red.png"_s);
    QImage red(5, 7, QImage::Format_RGB32);
    red.fill(Qt::red);
    QVERIFY(red.save(path));
    const QUrl fileUrl = QUrl::fromLocalFile(path);
    SafeHtmlView view;
    view.resize(300, 200);
    view.setContent(
        {}, u"<p>x<img src=\"%1\"><img src=\"%2\"></p>"_s.arg(fileUrl.toString(), path));
    view.show();
    (void)view.grab();
    QVERIFY(view.refusedUrls().contains(fileUrl));
    for (const QUrl &url : {fileUrl, QUrl(path)}) {
        // Whatever the document holds for the URL is the placeholder, not the red image.
        const QImage image
            = view.document()->resource(QTextDocument::ImageResource, url).value<QImage>();
        QCOMPARE(image.text(u"hookscope"_s), u"blocked"_s);
        QVERIFY(image.pixelColor(8, 1) != QColor(Qt::red));
    }
    QVERIFY(view.refusedUrls().contains(QUrl(path)));
}

void TestMimeView::hexViewOfBinaryPart()
{
    MimeView view;
    view.setMessage(WidgetData::message(u"ui/stalwart-data.eml"_s));
    QVERIFY(view.selectPart(u"6"_s));
    QCOMPARE(view.currentPart().contentType(), u"application/pdf"_s);
    // A binary part opens on its hex dump.
    QCOMPARE(view.currentPartTab(), MimeView::HexTab);
    QVERIFY2(view.hexContent().startsWith(u"00000000  25 50 44 46 2d 31 2e 34"_s),
        qPrintable(view.hexContent()));
    QVERIFY(view.hexContent().contains(u"|%PDF-1.4.% not a|"_s));
    QVERIFY(!view.isPartTabEnabled(MimeView::TextTab));
    QVERIFY(!view.isPartTabEnabled(MimeView::HtmlTab));

    QCOMPARE(hexDump("ABC", 100),
        u"00000000  41 42 43                                          |ABC|\n"_s);
    bool truncated = false;
    QCOMPARE(hexDump(QByteArray(40, 'x'), 16, &truncated).count(u'\n'), 1);
    QVERIFY(truncated);
    QVERIFY(looksBinary(QByteArray("a\0b", 3)));
    QVERIFY(!looksBinary("plain text\r\n"));
}

void TestMimeView::capsHugeParts()
{
    MimeView view;
    view.setMessage(MimeDecoder::decode(bigAttachmentMessage(600 * 1024)));
    QVERIFY(view.selectPart(u"2"_s));
    QCOMPARE(view.currentPartTab(), MimeView::HexTab);
    const QString hex = view.hexContent();
    QCOMPARE(hex.count(u'\n'), 256 * 1024 / 16);
    const QList<QLabel *> labels = view.findChildren<QLabel *>();
    const bool noted = std::any_of(labels.cbegin(), labels.cend(), [](const QLabel *label) {
        return label->text().contains(u"Only the first"_s)
            && label->text().contains(u"decoded body"_s);
    });
    QVERIFY(noted);
}

void TestMimeView::showsDefects()
{
    const QByteArray raw
        = "From: a@example.com\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
          "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
          "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
          "!!!! not base64 ****\r\n";
    MimeView view;
    view.setMessage(MimeDecoder::decode(raw));
    const QString defects = view.defectText();
    QVERIFY2(!defects.isEmpty(), "a broken message shows its defects");
    QVERIFY(view.findChild<QLabel *>(u"messageDefects"_s)->isVisibleTo(&view));
    QVERIFY(view.selectPart(u"1"_s));
    QLabel *partBanner = view.findChild<QLabel *>(u"partDefects"_s);
    QVERIFY(partBanner->isVisibleTo(&view));
    QVERIFY2(partBanner->text().contains(u"WARN_INVALID_BASE64"_s)
            || partBanner->text().contains(u"decoded cleanly"_s),
        qPrintable(partBanner->text()));
}

void TestMimeView::attachmentCopies()
{
    MimeView view;
    view.setMessage(WidgetData::message(u"ui/stalwart-data.eml"_s));
    QVERIFY(view.selectPart(u"6"_s));
    QString error;
    const QString path = view.writeTemporaryCopy(&error);
    QVERIFY2(!path.isEmpty(), qPrintable(error));
    QCOMPARE(QFileInfo(path).fileName(), u"q3.pdf"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().startsWith("%PDF-1.4"));
    QVERIFY(!(QFileInfo(path).permissions() & (QFileDevice::ExeOwner | QFileDevice::ExeUser)));
    // A second copy of the same name does not overwrite the first.
    const QString second = view.writeTemporaryCopy(&error);
    QVERIFY(!second.isEmpty() && second != path);

    // A script is never handed to the desktop, and its name cannot climb out of the folder.
    view.setMessage(MimeDecoder::decode(bigAttachmentMessage(100)));
    QVERIFY(view.selectPart(u"2"_s));
    QVERIFY(view.writeTemporaryCopy(&error).isNull());
    QVERIFY(error.contains(u"could run as a program"_s));
    QVERIFY(!AttachmentFiles::suggestedFileName(view.currentPart()).contains(u'/'));
    QVERIFY(AttachmentFiles::isRiskyToOpen(u"invoice.pdf.exe"_s));
    QVERIFY(AttachmentFiles::isRiskyToOpen(u"x.DESKTOP"_s));
    QVERIFY(!AttachmentFiles::isRiskyToOpen(u"photo.jpeg"_s));
    QCOMPARE(AttachmentFiles::sanitizedFileName(u"..\\a/b\x01.txt"_s), u"_a_b_.txt"_s);
}

void TestMimeView::clears()
{
    MimeView view;
    view.setMessage(WidgetData::message(u"ui/stalwart-data.eml"_s));
    view.clear();
    QCOMPARE(view.treeView()->model()->rowCount(), 0);
    QVERIFY(view.textContent().isEmpty());
    QVERIFY(view.htmlView()->toPlainText().isEmpty());
    QVERIFY(view.message().raw.isEmpty());
}

QTEST_MAIN(TestMimeView)
#include "tst_ui_mimeview.moc"
