// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/capturestore.h"
#include "mock/capture/exchange.h"

#include <QAbstractItemModel>
#include <QList>
#include <QModelIndex>
#include <QString>
#include <QTemporaryDir>

#include <memory>

class SessionModel;

// Shared by the session model suites (tst_ui_sessionmodel*.cpp): calls as the endpoint stores
// them, reading the model's cells, and a fresh capture file per test function.
namespace SessionModelTest {

constexpr qint64 baseTime = 1772619630000; // 2026-03-04T10:20:30Z

// One hook call as the endpoint stores it, with the envelope facts of its stage filled in.
Mock::Exchange call(const QString &session, MtaHooks::Stage stage, qint64 ms,
    MtaHooks::Verdict verdict = MtaHooks::Verdict::Accept);
// connect, ehlo, mail, `recipients` × rcpt, data.
QList<Mock::Exchange> fullSession(const QString &key, qint64 start, int recipients = 2);

QString text(const QModelIndex &index, int role = Qt::DisplayRole);
QString display(
    const QAbstractItemModel &model, int row, int column, const QModelIndex &parent = {});
QString localTime(qint64 ms); // baseTime + ms as the time column shows it
void expand(SessionModel &model, int row); // fetches all of a session's calls
Mock::CaptureQuery parsed(const QString &filter); // a filter text known to be valid

// The store each test function works on: a file of its own in a temporary folder.
class StoreFixture
{
protected:
    void openStore(); // from init()
    void closeStore(); // from cleanup()
    QList<Mock::Exchange> save(QList<Mock::Exchange> calls); // returns them with their ids

    QTemporaryDir m_dir;
    std::unique_ptr<Mock::CaptureStore> m_store;
};

} // namespace SessionModelTest
