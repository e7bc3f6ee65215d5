// SPDX-License-Identifier: GPL-3.0-or-later
// The settings dialog's security and limits: what is typed comes back out of the dialog, survives
// QSettings, and reaches the endpoint's settings; unusable values keep OK disabled; the window's
// warning about an endpoint open to the network.

#include "app/application.h"
#include "app/settings.h"
#include "ui/mainwindow.h"
#include "ui/settingsdialog.h"

#include <QApplication>
#include <QTimer>

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestSettingsDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void defaultsAreTheEndpoints();
    void dialogShowsThePreferences();
    void editedValuesRoundTrip();
    void unusableValuesDisableOk_data();
    void unusableValuesDisableOk();
    void exposureWarning_data();
    void exposureWarning();
    void showsWhatTheRunUses();

private:
    template<typename T>
    T *child(const SettingsDialog &dialog, const QString &name)
    {
        T *widget = dialog.findChild<T *>(name);
        if (!widget)
            qWarning("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
        return widget;
    }
    static bool okEnabled(const SettingsDialog &dialog)
    {
        return dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled();
    }
    QString file(const QString &name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
};

void TestSettingsDialog::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"hookscope-tests"_s);
    QCoreApplication::setApplicationName(u"tst_ui_settingsdialog"_s);
    QVERIFY(m_dir.isValid());
    // The dialog refuses TLS files that do not exist; their content is the endpoint's business.
    for (const QString &name : {u"cert.pem"_s, u"key.pem"_s, u"client-ca.pem"_s}) {
        QFile f(file(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
}

void TestSettingsDialog::init()
{
    QSettings().clear();
}

void TestSettingsDialog::defaultsAreTheEndpoints()
{
    Settings settings;
    QString error;
    const Mock::EndpointSettings fromSettings
        = Settings::endpointSettings(settings.preferences(), {}, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Mock::EndpointSettings defaults;
    QCOMPARE(fromSettings.headTimeoutMs, defaults.headTimeoutMs);
    QCOMPARE(fromSettings.bodyTimeoutMs, defaults.bodyTimeoutMs);
    QCOMPARE(fromSettings.maxConnections, defaults.maxConnections);
    QCOMPARE(fromSettings.maxConnectionsPerPeer, defaults.maxConnectionsPerPeer);
    QCOMPARE(fromSettings.maxDepth, defaults.maxDepth);
    QCOMPARE(fromSettings.maxRegistrations, defaults.maxRegistrations);
    QCOMPARE(fromSettings.allowedOrigins, QStringList());
    QCOMPARE(fromSettings.tlsCertificateFile, QString());
    QCOMPARE(fromSettings.tlsKeyFile, QString());
    QCOMPARE(fromSettings.tlsClientCaFile, QString());
    QCOMPARE(fromSettings.keepCredentials, false);
    QCOMPARE(fromSettings.strict, false);
    QCOMPARE(fromSettings.auth.scheme, Mock::HttpAuth::Scheme::None);
    QCOMPARE(fromSettings.address, QHostAddress(QHostAddress::LocalHost));
}

void TestSettingsDialog::dialogShowsThePreferences()
{
    Preferences p;
    p.maxConnectionsPerPeer = 7;
    p.maxConnections = 70;
    p.maxDepth = 12;
    p.headTimeoutMs = 2500;
    p.bodyTimeoutMs = 4500;
    p.maxRegistrations = 33;
    p.allowedOrigins = {u"https://a.example"_s, u"http://b.example:8080"_s};
    p.tlsCertificateFile = file(u"cert.pem"_s);
    p.tlsKeyFile = file(u"key.pem"_s);
    p.tlsClientCaFile = file(u"client-ca.pem"_s);
    p.keepCredentials = true;
    p.strict = true;
    SettingsDialog dialog(p);
    QCOMPARE(child<QSpinBox>(dialog, u"maxConnectionsPerPeer"_s)->value(), 7);
    QCOMPARE(child<QSpinBox>(dialog, u"maxConnections"_s)->value(), 70);
    QCOMPARE(child<QSpinBox>(dialog, u"maxDepth"_s)->value(), 12);
    QCOMPARE(child<QSpinBox>(dialog, u"headTimeout"_s)->value(), 2500);
    QCOMPARE(child<QSpinBox>(dialog, u"bodyTimeout"_s)->value(), 4500);
    QCOMPARE(child<QSpinBox>(dialog, u"maxRegistrations"_s)->value(), 33);
    QCOMPARE(child<QPlainTextEdit>(dialog, u"allowedOrigins"_s)->toPlainText(),
        u"https://a.example\nhttp://b.example:8080"_s);
    QCOMPARE(child<QLineEdit>(dialog, u"tlsCertificate"_s)->text(), p.tlsCertificateFile);
    QCOMPARE(child<QLineEdit>(dialog, u"tlsKey"_s)->text(), p.tlsKeyFile);
    QCOMPARE(child<QLineEdit>(dialog, u"tlsClientCa"_s)->text(), p.tlsClientCaFile);
    QVERIFY(child<QCheckBox>(dialog, u"keepCredentials"_s)->isChecked());
    QVERIFY(child<QCheckBox>(dialog, u"strict"_s)->isChecked());
    QVERIFY(okEnabled(dialog));
    // Untouched, the dialog gives back what it was given.
    QCOMPARE(dialog.preferences(), p);
}

void TestSettingsDialog::editedValuesRoundTrip()
{
    Preferences start;
    start.databasePath = file(u"captures.sqlite"_s);
    SettingsDialog dialog(start);
    child<QSpinBox>(dialog, u"maxConnectionsPerPeer"_s)->setValue(3);
    child<QSpinBox>(dialog, u"maxConnections"_s)->setValue(40);
    child<QSpinBox>(dialog, u"maxDepth"_s)->setValue(16);
    child<QSpinBox>(dialog, u"headTimeout"_s)->setValue(1200);
    child<QSpinBox>(dialog, u"bodyTimeout"_s)->setValue(3400);
    child<QSpinBox>(dialog, u"maxRegistrations"_s)->setValue(5);
    // Blank lines and surrounding spaces are not origins.
    child<QPlainTextEdit>(dialog, u"allowedOrigins"_s)
        ->setPlainText(u"  https://console.example.com \n\nhttp://[::1]:8080\n"_s);
    QTest::keyClicks(child<QLineEdit>(dialog, u"tlsCertificate"_s), file(u"cert.pem"_s));
    QTest::keyClicks(child<QLineEdit>(dialog, u"tlsKey"_s), file(u"key.pem"_s));
    QTest::keyClicks(child<QLineEdit>(dialog, u"tlsClientCa"_s), file(u"client-ca.pem"_s));
    QTest::mouseClick(child<QCheckBox>(dialog, u"keepCredentials"_s), Qt::LeftButton);
    QTest::mouseClick(child<QCheckBox>(dialog, u"strict"_s), Qt::LeftButton);
    QVERIFY(okEnabled(dialog));
    const Preferences chosen = dialog.preferences();
    QCOMPARE(chosen.allowedOrigins,
        QStringList({u"https://console.example.com"_s, u"http://[::1]:8080"_s}));
    QVERIFY(chosen.keepCredentials);
    QVERIFY(chosen.strict);

    Settings().setPreferences(chosen);
    Settings reread; // a new QSettings reads what the first wrote
    const Preferences read = reread.preferences();
    QCOMPARE(read, chosen);

    Mock::EndpointSettings base;
    base.idleTimeoutMs = 1234; // not a preference: kept as it was
    QString error;
    const Mock::EndpointSettings endpoint = Settings::endpointSettings(read, base, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(endpoint.maxConnectionsPerPeer, 3);
    QCOMPARE(endpoint.maxConnections, 40);
    QCOMPARE(endpoint.maxDepth, 16);
    QCOMPARE(endpoint.headTimeoutMs, 1200);
    QCOMPARE(endpoint.bodyTimeoutMs, 3400);
    QCOMPARE(endpoint.maxRegistrations, 5);
    QCOMPARE(endpoint.allowedOrigins, chosen.allowedOrigins);
    QCOMPARE(endpoint.tlsCertificateFile, file(u"cert.pem"_s));
    QCOMPARE(endpoint.tlsKeyFile, file(u"key.pem"_s));
    QCOMPARE(endpoint.tlsClientCaFile, file(u"client-ca.pem"_s));
    QVERIFY(endpoint.keepCredentials);
    QVERIFY(endpoint.strict);
    QCOMPARE(endpoint.idleTimeoutMs, 1234);
    QCOMPARE(endpoint.port, start.listenPort);
}

void TestSettingsDialog::unusableValuesDisableOk_data()
{
    QTest::addColumn<QString>("origins");
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("clientCa");
    QTest::addColumn<bool>("ok");
    const QString cert = file(u"cert.pem"_s);
    const QString key = file(u"key.pem"_s);
    const QString ca = file(u"client-ca.pem"_s);
    QTest::newRow("nothing set") << QString() << QString() << QString() << QString() << true;
    QTest::newRow("TLS") << QString() << cert << key << QString() << true;
    QTest::newRow("mTLS") << QString() << cert << key << ca << true;
    QTest::newRow("certificate without key")
        << QString() << cert << QString() << QString() << false;
    QTest::newRow("key without certificate") << QString() << QString() << key << QString() << false;
    QTest::newRow("client CA without TLS") << QString() << QString() << QString() << ca << false;
    QTest::newRow("missing file") << QString() << cert << file(u"missing.pem"_s) << QString()
                                  << false;
    QTest::newRow("origins") << u"https://a.example\nhttp://localhost:3000"_s << QString()
                             << QString() << QString() << true;
    QTest::newRow("origin with a path")
        << u"https://a.example/app"_s << QString() << QString() << QString() << false;
    QTest::newRow("origin without scheme")
        << u"a.example"_s << QString() << QString() << QString() << false;
    QTest::newRow("origin of another scheme")
        << u"ftp://a.example"_s << QString() << QString() << QString() << false;
}

void TestSettingsDialog::unusableValuesDisableOk()
{
    QFETCH(QString, origins);
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, clientCa);
    QFETCH(bool, ok);
    SettingsDialog dialog(Preferences {});
    child<QPlainTextEdit>(dialog, u"allowedOrigins"_s)->setPlainText(origins);
    child<QLineEdit>(dialog, u"tlsCertificate"_s)->setText(certificate);
    child<QLineEdit>(dialog, u"tlsKey"_s)->setText(key);
    child<QLineEdit>(dialog, u"tlsClientCa"_s)->setText(clientCa);
    QCOMPARE(okEnabled(dialog), ok);
}

void TestSettingsDialog::exposureWarning_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("auth");
    QTest::addColumn<bool>("clientCa");
    QTest::addColumn<bool>("warned");
    QTest::newRow("loopback") << u"127.0.0.1"_s << u"none"_s << false << false;
    QTest::newRow("IPv6 loopback") << u"::1"_s << u"none"_s << false << false;
    QTest::newRow("any, no auth") << u"0.0.0.0"_s << u"none"_s << false << true;
    QTest::newRow("LAN, no auth") << u"192.0.2.10"_s << u"none"_s << false << true;
    QTest::newRow("any IPv6, no auth") << u"::"_s << u"none"_s << false << true;
    QTest::newRow("any, bearer") << u"0.0.0.0"_s << u"bearer:t"_s << false << false;
    QTest::newRow("any, basic") << u"0.0.0.0"_s << u"basic:u:p"_s << false << false;
    QTest::newRow("any, mTLS") << u"0.0.0.0"_s << u"none"_s << true << false;
}

void TestSettingsDialog::exposureWarning()
{
    QFETCH(QString, address);
    QFETCH(QString, auth);
    QFETCH(bool, clientCa);
    QFETCH(bool, warned);
    Preferences p;
    p.listenAddress = address;
    p.auth = auth;
    if (clientCa) {
        p.tlsCertificateFile = file(u"cert.pem"_s);
        p.tlsKeyFile = file(u"key.pem"_s);
        p.tlsClientCaFile = file(u"client-ca.pem"_s);
    }
    QString error;
    const Mock::EndpointSettings settings = Settings::endpointSettings(p, {}, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString warning = Settings::exposureWarning(settings, QHostAddress(address));
    QCOMPARE(!warning.isEmpty(), warned);
    if (warned) {
        QCOMPARE(warning,
            u"Listening on %1 without authentication: anyone who can reach this port can post to "
            "it"_s.arg(address));
    }
}

// Started with --listen and --db, the window's Settings show that port and that database, not
// the stored ones; OK without a change does not store this run's overrides as preferences.
void TestSettingsDialog::showsWhatTheRunUses()
{
    StartupOptions options;
    options.listenAddress = QHostAddress(QHostAddress::LocalHost);
    options.listenPort = 0; // a free port: the one really used must be shown
    options.databasePath = file(u"fresh.sqlite"_s);
    Application app(options);
    QVERIFY(app.start());
    const quint16 port = app.endpoint()->serverPort();
    QVERIFY(port != 0);
    QVERIFY(port != Preferences().listenPort);

    Preferences seen;
    bool shown = false;
    // The dialog is modal: it is read, then accepted unchanged, from within its own loop.
    QTimer::singleShot(0, this, [&seen, &shown] {
        auto *dialog = qobject_cast<SettingsDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        seen = dialog->preferences();
        shown = true;
        dialog->accept();
    });
    Q_EMIT app.window()->settingsRequested();
    QVERIFY(shown);
    QCOMPARE(seen.listenPort, port);
    QCOMPARE(seen.listenAddress, u"127.0.0.1"_s);
    QCOMPARE(seen.databasePath, file(u"fresh.sqlite"_s));
    // This run's overrides stay this run's.
    const Preferences stored = Settings().preferences();
    QCOMPARE(stored.listenPort, Preferences().listenPort);
    QCOMPARE(stored.databasePath, Settings::defaultDatabasePath());
    QCOMPARE(app.store()->path(), file(u"fresh.sqlite"_s));
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_ui_settingsdialog.moc"
