// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/preferences.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// Listen address and port, authentication, body limit, hold and MTA timeouts, the capture
// database, and how draft requests are answered.
class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)

public:
    explicit SettingsDialog(const Preferences &preferences, QWidget *parent = nullptr);
    Preferences preferences() const;

private:
    void validate();

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
    QLabel *m_warning;
};
