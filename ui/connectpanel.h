// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/connecttexts.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;

// How to point an MTA at the endpoint: its URL, Stalwart's hook settings for the stages chosen,
// what a draft-01 MTA discovers and registers, a curl command, each in a box with a Copy button,
// and a button that sends a test call. It shows the ConnectInfo it is given (the secret masked
// until "Show secret"); sending the test call is the composition's job (testCallRequested).
class ConnectPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectPanel)

public:
    enum Section { Urls, Stalwart, Draft, Curl };
    enum StalwartVersion { MtaHookObject, ConfigToml }; // 0.16 and later, 0.8 – 0.15

    explicit ConnectPanel(QWidget *parent = nullptr);

    void setInfo(const ConnectInfo &info);
    // The first lines: "no calls yet" in the empty details pane, plainer in the dialog.
    void setIntro(const QString &html);
    const ConnectInfo &info() const { return m_info; }
    // What the last test call came to, as the composition learns it.
    void setTestCallResult(bool ok, const QString &message);

    QString sectionText(Section section) const;
    void copySection(Section section);
    void setSecretShown(bool shown);
    void setStalwartVersion(StalwartVersion version);
    void setStalwartStages(const QStringList &stages);
    QStringList stalwartStages() const;
    QPushButton *testCallButton() const { return m_testCall; }
    QLabel *testCallResult() const { return m_result; }

Q_SIGNALS:
    void testCallRequested();

private:
    QPlainTextEdit *addBox(class QBoxLayout *layout, Section section);
    void refresh();

    ConnectInfo m_info;
    QLabel *m_intro;
    QLabel *m_status;
    QPushButton *m_testCall;
    QLabel *m_result;
    QCheckBox *m_showSecret;
    QComboBox *m_version;
    QHash<QString, QCheckBox *> m_stages;
    QHash<int, QPlainTextEdit *> m_boxes; // by Section
};
