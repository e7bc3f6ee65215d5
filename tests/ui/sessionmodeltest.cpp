// SPDX-License-Identifier: GPL-3.0-or-later
#include "tests/ui/sessionmodeltest.h"

#include "mock/capture/filterlanguage.h"
#include "ui/models/sessionmodel.h"

#include <QDateTime>
#include <QFile>
#include <QTest>

using namespace Qt::StringLiterals;
using Mock::Exchange;
using Mock::FilterParseResult;
using Mock::parseFilter;
using MtaHooks::Stage;
using MtaHooks::Verdict;

namespace SessionModelTest {

Exchange call(const QString &session, Stage stage, qint64 ms, Verdict verdict)
{
    Exchange e;
    e.sessionKey = session;
    e.received = QDateTime::fromMSecsSinceEpoch(baseTime + ms, Qt::UTC);
    e.peerAddress = u"127.0.0.1"_s;
    e.peerPort = 40000;
    e.method = "POST";
    e.path = "/hook";
    e.kind = Mock::ExchangeKind::Hook;
    e.dialect = MtaHooks::Dialect::Draft01;
    e.encoding = MtaHooks::Encoding::Json;
    e.stage = stage;
    e.stageName = MtaHooks::stageName(stage);
    e.clientIp = u"203.0.113.5"_s;
    e.clientEhlo = u"mx.example.org"_s;
    if (stage >= Stage::Mail)
        e.mailFrom = u"alice@example.org"_s;
    if (stage >= Stage::Rcpt)
        e.recipients = {u"bob@example.net"_s};
    if (stage == Stage::Data) {
        e.recipients = {u"bob@example.net"_s, u"carol@example.net"_s};
        e.subject = u"Quarterly report"_s;
        e.messageSize = 1234;
    }
    e.verdict = verdict;
    switch (verdict) {
    case Verdict::Reject:
        e.action = MtaHooks::Action::Reject;
        e.replyCode = 550;
        break;
    case Verdict::Tempfail:
        e.action = MtaHooks::Action::Reject;
        e.replyCode = 451;
        break;
    default:
        e.action = MtaHooks::Action::Accept;
        e.replyCode = 250;
        break;
    }
    e.ruleName = u"default"_s;
    e.httpStatus = 200;
    e.latencyUs = 1500;
    e.requestBody = "{}";
    return e;
}

QList<Exchange> fullSession(const QString &key, qint64 start, int recipients)
{
    QList<Exchange> calls {call(key, Stage::Connect, start), call(key, Stage::Ehlo, start + 10),
        call(key, Stage::Mail, start + 20)};
    for (int i = 0; i < recipients; ++i)
        calls.append(call(key, Stage::Rcpt, start + 30 + i));
    calls.append(call(key, Stage::Data, start + 50));
    return calls;
}

QString text(const QModelIndex &index, int role)
{
    return index.data(role).toString();
}

QString display(const QAbstractItemModel &model, int row, int column, const QModelIndex &parent)
{
    return model.index(row, column, parent).data().toString();
}

QString localTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(baseTime + ms, Qt::UTC)
        .toLocalTime()
        .toString(u"hh:mm:ss.zzz"_s);
}

void expand(SessionModel &model, int row)
{
    const QModelIndex parent = model.index(row, 0);
    while (model.canFetchMore(parent))
        model.fetchMore(parent);
}

Mock::CaptureQuery parsed(const QString &filter)
{
    const FilterParseResult result = parseFilter(filter);
    Q_ASSERT(result.isValid());
    return result.query;
}

void StoreFixture::openStore()
{
    QVERIFY(m_dir.isValid());
    m_store = std::make_unique<Mock::CaptureStore>();
    const QString path
        = m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction()) + u".db"_s);
    QFile::remove(path);
    QVERIFY2(m_store->open(path), qPrintable(m_store->lastError()));
}

void StoreFixture::closeStore()
{
    m_store.reset();
}

QList<Exchange> StoreFixture::save(QList<Exchange> calls)
{
    if (!m_store->saveAll(calls))
        QTest::qFail(qPrintable(m_store->lastError()), __FILE__, __LINE__);
    return calls;
}

} // namespace SessionModelTest
