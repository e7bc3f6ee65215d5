// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/settingsdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

using namespace Qt::StringLiterals;

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
    , m_warning(new QLabel(this))
{
    setWindowTitle(tr("Hookscope settings"));
    m_port->setRange(1, 65535);
    m_port->setValue(preferences.listenPort);
    m_authMode->addItem(tr("None"), u"none"_s);
    m_authMode->addItem(tr("Bearer token"), u"bearer"_s);
    m_authMode->addItem(tr("Basic (user and password)"), u"basic"_s);
    m_authSecret->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    if (preferences.auth.startsWith(u"bearer:"_s)) {
        m_authMode->setCurrentIndex(1);
        m_authSecret->setText(preferences.auth.mid(7));
    } else if (preferences.auth.startsWith(u"basic:"_s)) {
        m_authMode->setCurrentIndex(2);
        const QString rest = preferences.auth.mid(6);
        m_authUser->setText(rest.section(u':', 0, 0));
        m_authSecret->setText(rest.section(u':', 1));
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

    auto *form = new QFormLayout;
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

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_warning);
    layout->addWidget(buttons);

    connect(m_address, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_authMode, &QComboBox::currentIndexChanged, this, &SettingsDialog::validate);
    connect(m_authSecret, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    connect(m_authUser, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    validate();
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
    }
    if (mode != u"none"_s && m_authSecret->text().isEmpty()) {
        notes << tr("Authentication needs a token or password.");
        ok = false;
    }
    if (mode == u"basic"_s && (m_authUser->text().isEmpty() || m_authUser->text().contains(u':'))) {
        notes << tr("Basic authentication needs a user name without ':'.");
        ok = false;
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
    if (mode == u"bearer"_s)
        p.auth = u"bearer:"_s + m_authSecret->text();
    else if (mode == u"basic"_s)
        p.auth = u"basic:"_s + m_authUser->text() + u':' + m_authSecret->text();
    else
        p.auth = u"none"_s;
    p.bodyLimit = qint64(m_bodyLimitMiB->value()) * 1024 * 1024;
    p.holdTimeoutMs = m_holdTimeout->value() * 1000;
    p.mtaTimeoutMs = m_mtaTimeout->value() * 1000;
    p.databasePath = m_database->text().trimmed();
    p.draftAnswerDialect = m_draftDialect->currentData().value<MtaHooks::Dialect>();
    return p;
}
