// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/preferences.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

// General: listen address and port, authentication, body limit, hold and MTA timeouts, the
// capture database, and how draft requests are answered. Security and limits: connection caps,
// nesting depth, request timeouts, allowed browser origins, TLS files and whether credentials
// are stored as sent.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    explicit SettingsDialog(const Preferences &preferences, QWidget *parent = nullptr);
    Preferences preferences() const;

private:
    void validate();
    QWidget *securityPage();

    QLineEdit *m_address;
    QSpinBox *m_port;
    QComboBox *m_authMode;
    QLineEdit *m_authUser;
    QLineEdit *m_authSecret;
    QSpinBox *m_bodyLimitMiB;
    QSpinBox *m_holdTimeout;
    QSpinBox *m_mtaTimeout;
    QLineEdit *m_database;
    QComboBox *m_draftDialect;
    QSpinBox *m_maxConnectionsPerPeer;
    QSpinBox *m_maxConnections;
    QSpinBox *m_maxDepth;
    QSpinBox *m_headTimeout;
    QSpinBox *m_bodyTimeout;
    QSpinBox *m_maxRegistrations;
    QPlainTextEdit *m_allowedOrigins;
    QLineEdit *m_tlsCertificate;
    QLineEdit *m_tlsKey;
    QLineEdit *m_tlsClientCa;
    QCheckBox *m_keepCredentials;
    QCheckBox *m_strict;
    QLabel *m_warning;
};
