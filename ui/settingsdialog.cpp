// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/settingsdialog.h"

#include "mock/capture/httpvocabulary.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

QSpinBox *spinBox(QWidget *parent, const char *name, int minimum, int maximum, int value,
    const QString &suffix = {})
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(QLatin1StringView(name));
    box->setRange(minimum, maximum);
    box->setSuffix(suffix);
    box->setValue(value);
    return box;
}

QLineEdit *lineEdit(QWidget *parent, const char *name, const QString &text)
{
    auto *edit = new QLineEdit(text, parent);
    edit->setObjectName(QLatin1StringView(name));
    edit->setClearButtonEnabled(true);
    return edit;
}

// A file path with a Browse… button that picks an existing file.
QLayout *fileRow(QWidget *parent, QLineEdit *edit, const QString &caption, const QString &filter)
{
    auto *browse
        = new QPushButton(QCoreApplication::translate("SettingsDialog", "Browse…"), parent);
    QObject::connect(browse, &QPushButton::clicked, edit, [parent, edit, caption, filter] {
        const QString path = QFileDialog::getOpenFileName(parent, caption, edit->text(), filter);
        if (!path.isEmpty())
            edit->setText(path);
    });
    auto *row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(browse);
    return row;
}

QStringList lines(const QPlainTextEdit *edit)
{
    QStringList result;
    for (const QString &line : edit->toPlainText().split(u'\n')) {
        if (!line.trimmed().isEmpty())
            result.append(line.trimmed());
    }
    return result;
}

// An origin as browsers send it (RFC 6454): scheme://host[:port], nothing after.
bool isOrigin(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && (url.scheme() == u"http"_s || url.scheme() == u"https"_s)
        && !url.host().isEmpty() && url.userInfo().isEmpty() && url.path().isEmpty()
        && !url.hasQuery() && !url.hasFragment();
}

} // namespace

SettingsDialog::SettingsDialog(const Preferences &preferences, QWidget *parent)
    : QDialog(parent)
    , m_address(new QLineEdit(preferences.listenAddress, this))
    , m_port(new QSpinBox(this))
    , m_authMode(new QComboBox(this))
    , m_authUser(new QLineEdit(this))
    , m_authSecret(new QLineEdit(this))
    , m_bodyLimitMiB(new QSpinBox(this))
    , m_holdTimeout(new QSpinBox(this))
    , m_mtaTimeout(new QSpinBox(this))
    , m_database(new QLineEdit(preferences.databasePath, this))
    , m_draftDialect(new QComboBox(this))
    , m_maxConnectionsPerPeer(
          spinBox(this, "maxConnectionsPerPeer", 1, 100000, preferences.maxConnectionsPerPeer))
    , m_maxConnections(spinBox(this, "maxConnections", 1, 100000, preferences.maxConnections))
    , m_maxDepth(spinBox(this, "maxDepth", 1, 100000, preferences.maxDepth))
    , m_headTimeout(
          spinBox(this, "headTimeout", 100, 3600000, preferences.headTimeoutMs, tr(" ms")))
    , m_bodyTimeout(
          spinBox(this, "bodyTimeout", 100, 3600000, preferences.bodyTimeoutMs, tr(" ms")))
    , m_maxRegistrations(
          spinBox(this, "maxRegistrations", 1, 1000000, preferences.maxRegistrations))
    , m_allowedOrigins(new QPlainTextEdit(preferences.allowedOrigins.join(u'\n'), this))
    , m_tlsCertificate(lineEdit(this, "tlsCertificate", preferences.tlsCertificateFile))
    , m_tlsKey(lineEdit(this, "tlsKey", preferences.tlsKeyFile))
    , m_tlsClientCa(lineEdit(this, "tlsClientCa", preferences.tlsClientCaFile))
    , m_keepCredentials(new QCheckBox(tr("Store credentials as sent"), this))
    , m_strict(new QCheckBox(tr("Strict: refuse what breaks a draft MUST"), this))
    , m_warning(new QLabel(this))
{
    setWindowTitle(tr("Hookscope settings"));
    m_port->setRange(1, 65535);
    m_port->setValue(preferences.listenPort);
    m_authMode->addItem(tr("None"), u"none"_s);
    m_authMode->addItem(tr("Bearer token"), u"bearer"_s);
    m_authMode->addItem(tr("Basic (user and password)"), u"basic"_s);
    m_authSecret->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    const Mock::HttpAuth auth = Mock::HttpAuth::parse(preferences.auth).value_or(Mock::HttpAuth());
    if (auth.scheme == Mock::HttpAuth::Scheme::Bearer) {
        m_authMode->setCurrentIndex(1);
        m_authSecret->setText(auth.token);
    } else if (auth.scheme == Mock::HttpAuth::Scheme::Basic) {
        m_authMode->setCurrentIndex(2);
        m_authUser->setText(auth.user);
        m_authSecret->setText(auth.password);
    }
    m_bodyLimitMiB->setRange(1, 4096);
    m_bodyLimitMiB->setSuffix(tr(" MiB"));
    m_bodyLimitMiB->setValue(int(qMax<qint64>(1, preferences.bodyLimit / (1024 * 1024))));
    m_holdTimeout->setRange(1, 3600);
    m_holdTimeout->setSuffix(tr(" s"));
    m_holdTimeout->setValue(qMax(1, preferences.holdTimeoutMs / 1000));
    m_mtaTimeout->setRange(1, 3600);
    m_mtaTimeout->setSuffix(tr(" s"));
    m_mtaTimeout->setValue(qMax(1, preferences.mtaTimeoutMs / 1000));
    m_draftDialect->addItem(
        tr("draft-01 ({set, add, delete})"), QVariant::fromValue(MtaHooks::Dialect::Draft01));
    m_draftDialect->addItem(
        tr("draft-02 (RFC 6902 JSON Patch)"), QVariant::fromValue(MtaHooks::Dialect::Draft02));
    m_draftDialect->setCurrentIndex(preferences.draftAnswerDialect == MtaHooks::Dialect::Draft02);
    m_warning->setWordWrap(true);

    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path
            = QFileDialog::getSaveFileName(this, tr("Capture database"), m_database->text(),
                tr("SQLite (*.sqlite *.db)"), nullptr, QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty())
            m_database->setText(path);
    });
    auto *databaseRow = new QHBoxLayout;
    databaseRow->addWidget(m_database, 1);
    databaseRow->addWidget(browse);

    auto *general = new QWidget(this);
    auto *form = new QFormLayout(general);
    form->addRow(tr("Listen address"), m_address);
    form->addRow(tr("Port"), m_port);
    form->addRow(tr("Authentication"), m_authMode);
    form->addRow(tr("User"), m_authUser);
    form->addRow(tr("Token / password"), m_authSecret);
    form->addRow(tr("Largest request body"), m_bodyLimitMiB);
    form->addRow(tr("Hold timeout"), m_holdTimeout);
    form->addRow(tr("MTA hook timeout"), m_mtaTimeout);
    form->addRow(tr("Capture database"), databaseRow);
    form->addRow(tr("Answer draft requests as"), m_draftDialect);
    form->addRow(QString(), m_strict);

    m_keepCredentials->setObjectName(u"keepCredentials"_s);
    m_keepCredentials->setChecked(preferences.keepCredentials);
    m_strict->setObjectName(u"strict"_s);
    m_strict->setChecked(preferences.strict);
    m_strict->setToolTip(
        tr("Answer as a production scanner: 404 for an unknown registration, 400 for a missing "
           "request id or an invalid request, 409 for a request id reused with another body, 413 "
           "over the limit; retries get the first answer again. Otherwise every call is answered "
           "and the problem is recorded."));
    m_allowedOrigins->setObjectName(u"allowedOrigins"_s);

    auto *tabs = new QTabWidget(this);
    tabs->addTab(general, tr("General"));
    tabs->addTab(securityPage(), tr("Security and limits"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(m_warning);
    layout->addWidget(buttons);

    connect(m_address, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_authMode, &QComboBox::currentIndexChanged, this, &SettingsDialog::validate);
    connect(m_authSecret, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_authUser, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_allowedOrigins, &QPlainTextEdit::textChanged, this, &SettingsDialog::validate);
    for (QLineEdit *file : {m_tlsCertificate, m_tlsKey, m_tlsClientCa})
        connect(file, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    validate();
}

QWidget *SettingsDialog::securityPage()
{
    auto *page = new QWidget(this);
    m_maxConnectionsPerPeer->setToolTip(
        tr("Open connections from one client address, so one peer cannot lock the others out"));
    m_maxDepth->setToolTip(tr("Nesting of JSON, CBOR and MessagePack request bodies"));
    m_headTimeout->setSingleStep(1000);
    m_headTimeout->setToolTip(tr("For the whole request head, from its first byte (then 408)"));
    m_bodyTimeout->setSingleStep(1000);
    m_bodyTimeout->setToolTip(tr("The longest pause while a request body arrives (then 408)"));
    m_maxRegistrations->setToolTip(tr("Draft MTA registrations kept at once"));
    m_allowedOrigins->setPlaceholderText(tr("https://console.example.com"));
    m_allowedOrigins->setToolTip(
        tr("One origin (scheme://host[:port]) per line. A browser request from any other origin "
           "is refused, so a web page cannot post to the endpoint."));
    m_allowedOrigins->setTabChangesFocus(true);
    m_allowedOrigins->setMaximumHeight(m_allowedOrigins->fontMetrics().lineSpacing() * 5);
    m_tlsCertificate->setPlaceholderText(tr("none: plain HTTP"));
    m_tlsClientCa->setPlaceholderText(tr("none: no client certificate needed"));
    m_keepCredentials->setToolTip(
        tr("Otherwise Authorization, Proxy-Authorization and Cookie are stored as \"Bearer ***\""));
    const QString pem = tr("PEM (*.pem *.crt *.cer *.key);;All files (*)");

    auto *form = new QFormLayout(page);
    form->addRow(tr("Connections per client"), m_maxConnectionsPerPeer);
    form->addRow(tr("Connections in all"), m_maxConnections);
    form->addRow(tr("Nesting depth"), m_maxDepth);
    form->addRow(tr("Request head timeout"), m_headTimeout);
    form->addRow(tr("Request body pause timeout"), m_bodyTimeout);
    form->addRow(tr("Registrations"), m_maxRegistrations);
    form->addRow(tr("Allowed browser origins"), m_allowedOrigins);
    form->addRow(tr("TLS certificate"),
        fileRow(this, m_tlsCertificate, tr("TLS certificate (PEM, chain after it)"), pem));
    form->addRow(tr("TLS private key"), fileRow(this, m_tlsKey, tr("TLS private key"), pem));
    form->addRow(tr("Client CA (mTLS)"),
        fileRow(this, m_tlsClientCa, tr("CA that signs client certificates"), pem));
    form->addRow(QString(), m_keepCredentials);
    return page;
}

void SettingsDialog::validate()
{
    const QString mode = m_authMode->currentData().toString();
    m_authUser->setEnabled(mode == u"basic"_s);
    m_authSecret->setEnabled(mode != u"none"_s);
    QStringList notes;
    bool ok = true;
    const QHostAddress address(m_address->text().trimmed());
    if (address.isNull() && m_address->text().trimmed() != u"localhost"_s) {
        notes << tr("The listen address is not an IP address.");
        ok = false;
    } else if (!address.isLoopback() && m_address->text().trimmed() != u"localhost"_s) {
        notes << tr("Listening beyond loopback exposes captured mail to the network.");
        if (mode == u"none"_s && m_tlsClientCa->text().trimmed().isEmpty())
            notes << tr("Without authentication, anyone who can reach the port can post to it.");
    }
    if (mode != u"none"_s && m_authSecret->text().isEmpty()) {
        notes << tr("Authentication needs a token or password.");
        ok = false;
    }
    if (mode == u"basic"_s && (m_authUser->text().isEmpty() || m_authUser->text().contains(u':'))) {
        notes << tr("Basic authentication needs a user name without ':'.");
        ok = false;
    }
    for (const QString &origin : lines(m_allowedOrigins)) {
        if (!isOrigin(origin)) {
            notes << tr("\"%1\" is not an origin (scheme://host[:port]).").arg(origin);
            ok = false;
        }
    }
    const QString certificate = m_tlsCertificate->text().trimmed();
    const QString key = m_tlsKey->text().trimmed();
    const QString clientCa = m_tlsClientCa->text().trimmed();
    if (certificate.isEmpty() != key.isEmpty()) {
        notes << tr("TLS needs both a certificate and its key.");
        ok = false;
    }
    if (!clientCa.isEmpty() && certificate.isEmpty()) {
        notes << tr("A client CA needs TLS (a certificate and key).");
        ok = false;
    }
    for (const QString &file : {certificate, key, clientCa}) {
        if (!file.isEmpty() && !QFileInfo(file).isFile()) {
            notes << tr("%1: no such file.").arg(file);
            ok = false;
        }
    }
    m_warning->setText(notes.join(u' '));
    if (auto *buttons = findChild<QDialogButtonBox *>())
        buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

Preferences SettingsDialog::preferences() const
{
    Preferences p;
    p.listenAddress = m_address->text().trimmed();
    p.listenPort = quint16(m_port->value());
    const QString mode = m_authMode->currentData().toString();
    Mock::HttpAuth auth;
    if (mode == u"bearer"_s) {
        auth.scheme = Mock::HttpAuth::Scheme::Bearer;
        auth.token = m_authSecret->text();
    } else if (mode == u"basic"_s) {
        auth.scheme = Mock::HttpAuth::Scheme::Basic;
        auth.user = m_authUser->text();
        auth.password = m_authSecret->text();
    }
    p.auth = auth.spec();
    p.bodyLimit = qint64(m_bodyLimitMiB->value()) * 1024 * 1024;
    p.holdTimeoutMs = m_holdTimeout->value() * 1000;
    p.mtaTimeoutMs = m_mtaTimeout->value() * 1000;
    p.databasePath = m_database->text().trimmed();
    p.draftAnswerDialect = m_draftDialect->currentData().value<MtaHooks::Dialect>();
    p.maxConnectionsPerPeer = m_maxConnectionsPerPeer->value();
    p.maxConnections = m_maxConnections->value();
    p.maxDepth = m_maxDepth->value();
    p.headTimeoutMs = m_headTimeout->value();
    p.bodyTimeoutMs = m_bodyTimeout->value();
    p.maxRegistrations = m_maxRegistrations->value();
    p.allowedOrigins = lines(m_allowedOrigins);
    p.tlsCertificateFile = m_tlsCertificate->text().trimmed();
    p.tlsKeyFile = m_tlsKey->text().trimmed();
    p.tlsClientCaFile = m_tlsClientCa->text().trimmed();
    p.keepCredentials = m_keepCredentials->isChecked();
    p.strict = m_strict->isChecked();
    return p;
}
