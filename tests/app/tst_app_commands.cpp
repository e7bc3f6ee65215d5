// SPDX-License-Identifier: GPL-3.0-or-later
// hookscope decode and apply, run as a user runs them: the real binary, its --json output and its
// exit codes (0 ok, 1 problems of severity error, 2 usage or unreadable input).
#include "mock/protocol/document.h"
#include "tests/support/testsupport.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class TestAppCommands : public QObject
{
    Q_OBJECT

private:
    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
        QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
    };

    Run run(const QStringList &arguments)
    {
        QProcess process;
        process.start(TestSupport::hookscopeBinary(), arguments);
        if (!process.waitForFinished(60000)) {
            process.kill();
            return {};
        }
        return {
            process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
    }

    QString writeTemp(const QString &name, const QByteArray &bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return {};
        file.write(bytes);
        return path;
    }

    static QString data(const QString &relative) { return TestSupport::dataPath(relative); }

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(TestSupport::hookscopeBinary()),
            qPrintable(TestSupport::hookscopeBinary()));
    }

    void decodesRequestsOfEveryDialect_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("dialect");
        QTest::addColumn<QString>("stage");
        QTest::addColumn<QString>("subject");
        QTest::addRow("stalwart-connect") << u"protocol/stalwart/req-connect.json"_s
                                          << u"stalwart"_s << u"connect"_s << QString();
        QTest::addRow("stalwart-data") << u"protocol/stalwart/req-data.json"_s << u"stalwart"_s
                                       << u"data"_s << u"Quarterly report"_s;
        QTest::addRow("draft01-data") << u"protocol/draft01/req-data.json"_s << u"draft-01"_s
                                      << u"data"_s << u"Quarterly report"_s;
        QTest::addRow("draft01-ehlo")
            << u"protocol/draft01/req-ehlo.json"_s << u"draft-01"_s << u"ehlo"_s << QString();
    }

    void decodesRequestsOfEveryDialect()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, dialect);
        QFETCH(QString, stage);
        QFETCH(QString, subject);
        const Run result = run({u"decode"_s, data(fixture), u"--json"_s});
        QCOMPARE(result.exitCode, 0);
        const QJsonObject json = result.json();
        QCOMPARE(json.value(u"kind"_s).toString(), u"request"_s);
        QCOMPARE(json.value(u"dialect"_s).toString(), dialect);
        QCOMPARE(json.value(u"encoding"_s).toString(), u"json"_s);
        QCOMPARE(json.value(u"stage"_s).toString(), stage);
        QVERIFY(json.value(u"problems"_s).isArray());
        if (subject.isEmpty()) {
            QVERIFY(!json.contains(u"message"_s));
        } else {
            const QJsonObject message = json.value(u"message"_s).toObject();
            QVERIFY(message.value(u"subject"_s).toString().startsWith(subject));
            QVERIFY(!message.value(u"from"_s).toArray().isEmpty());
            QVERIFY(message.value(u"from"_s).toArray().at(0).toString().contains(u'@'));
            QVERIFY(message.value(u"root"_s).toObject().contains(u"contentType"_s));
        }
    }

    void decodesCborAndMessagePack()
    {
        const QByteArray json = TestSupport::readData(u"protocol/draft01/req-data.json"_s);
        const MtaHooks::Document document = MtaHooks::Document::fromJson(json);
        QVERIFY(document.isValid());
        const QString cbor = writeTemp(u"request.cbor"_s, document.toCbor());
        const QString msgpack
            = writeTemp(u"request.msgpack"_s, document.encode(MtaHooks::Encoding::MsgPack));
        const Run fromCbor = run({u"decode"_s, cbor, u"--json"_s});
        QCOMPARE(fromCbor.json().value(u"encoding"_s).toString(), u"cbor"_s);
        QCOMPARE(fromCbor.json().value(u"dialect"_s).toString(), u"draft-01"_s);
        const Run fromMsgPack = run({u"decode"_s, msgpack, u"--json"_s});
        QCOMPARE(fromMsgPack.json().value(u"encoding"_s).toString(), u"msgpack"_s);
        // MessagePack is accepted on input but is not an MTA Hooks serialization: a warning.
        bool warned = false;
        for (const QJsonValue &problem : fromMsgPack.json().value(u"problems"_s).toArray())
            warned = warned
                || problem.toObject().value(u"message"_s).toString().contains(u"MessagePack"_s);
        QVERIFY(warned);
        // The same message comes out of all three encodings.
        const Run fromJson
            = run({u"decode"_s, data(u"protocol/draft01/req-data.json"_s), u"--json"_s});
        QCOMPARE(fromCbor.json().value(u"message"_s), fromJson.json().value(u"message"_s));
    }

    void decodesRawMessages()
    {
        const QString path = data(u"mime/alternative-crlf.eml"_s);
        const Run result = run({u"decode"_s, path, u"--json"_s});
        QCOMPARE(result.exitCode, 0);
        const QJsonObject json = result.json();
        QCOMPARE(json.value(u"kind"_s).toString(), u"message"_s);
        QCOMPARE(json.value(u"encoding"_s).toString(), u"rfc5322"_s);
        QVERIFY(json.value(u"dialect"_s).isNull());
        QVERIFY(json.value(u"stage"_s).isNull());
        const QJsonObject root = json.value(u"message"_s).toObject().value(u"root"_s).toObject();
        QCOMPARE(root.value(u"contentType"_s).toString(), u"multipart/mixed"_s);
        // Every leaf reports size and sha256 of its transfer-decoded body.
        std::function<int(const QJsonObject &)> leaves = [&leaves](const QJsonObject &part) {
            const QJsonArray children = part.value(u"children"_s).toArray();
            if (children.isEmpty()) {
                const QString sha = part.value(u"sha256"_s).toString();
                return sha.size() == 64 && part.value(u"size"_s).toDouble() >= 0 ? 1 : -1000;
            }
            int count = 0;
            for (const QJsonValue &child : children)
                count += leaves(child.toObject());
            return count;
        };
        QVERIFY(leaves(root) >= 3);
        // Absent facts are null, not empty strings.
        QVERIFY(root.value(u"filename"_s).isNull());
        QVERIFY(root.value(u"contentId"_s).isNull());
    }

    void decodesSubjectNullWhenAbsent()
    {
        // Absent is null, present and empty is "", as for every other fact.
        const QString without = writeTemp(
            u"no-subject.eml"_s, "From: a@example.org\r\nTo: b@example.org\r\n\r\nbody\r\n");
        const QString empty = writeTemp(u"empty-subject.eml"_s,
            "From: a@example.org\r\nTo: b@example.org\r\nSubject:\r\n\r\nbody\r\n");
        const QString given = writeTemp(u"subject.eml"_s,
            "From: a@example.org\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nbody\r\n");
        const auto subject = [this](const QString &path) {
            const Run result = run({u"decode"_s, path, u"--json"_s});
            return result.json().value(u"message"_s).toObject().value(u"subject"_s);
        };
        QVERIFY(subject(without).isNull());
        QVERIFY(subject(empty).isString());
        QCOMPARE(subject(empty).toString(), QString());
        QCOMPARE(subject(given).toString(), u"Grüße"_s);

        // The summary tells the two apart as well.
        const Run summaryWithout = run({u"decode"_s, without});
        QCOMPARE(summaryWithout.exitCode, 0);
        QVERIFY2(
            summaryWithout.out.contains("message  (no subject)"), summaryWithout.out.constData());
        const Run summaryEmpty = run({u"decode"_s, empty});
        QVERIFY2(summaryEmpty.out.contains("message  \"\""), summaryEmpty.out.constData());
    }

    void decodesDeliveryStatusFields()
    {
        const QString path = data(u"mime/malformed/delivery-status.eml"_s);
        const Run result = run({u"decode"_s, path, u"--json"_s});
        QCOMPARE(result.exitCode, 0);
        const QJsonArray parts = result.json()
                                     .value(u"message"_s)
                                     .toObject()
                                     .value(u"root"_s)
                                     .toObject()
                                     .value(u"children"_s)
                                     .toArray();
        QCOMPARE(parts.size(), 3);
        const QJsonObject status = parts.at(1).toObject();
        QCOMPARE(status.value(u"contentType"_s).toString(), u"message/delivery-status"_s);
        const QJsonArray blocks = status.value(u"fieldBlocks"_s).toArray();
        QCOMPARE(blocks.size(), 3);
        const QJsonObject firstRecipient = blocks.at(1).toArray().at(0).toObject();
        QCOMPARE(firstRecipient.value(u"name"_s).toString(), u"Final-Recipient"_s);
        QCOMPARE(firstRecipient.value(u"value"_s).toString(), u"rfc822; bob@example.net"_s);
        // Other parts carry no field blocks.
        QVERIFY(!parts.at(0).toObject().contains(u"fieldBlocks"_s));

        const Run summary = run({u"decode"_s, path});
        QVERIFY2(summary.out.contains("| Status: 5.1.1"), summary.out.constData());
    }

    void reportsErrorsWithExitCodeOne()
    {
        const Run result = run({u"decode"_s,
            data(u"protocol/stalwart/resp-INVALID-parameters-null.json"_s), u"--json"_s});
        QCOMPARE(result.exitCode, 1);
        QCOMPARE(result.json().value(u"kind"_s).toString(), u"response"_s);
        QCOMPARE(result.json().value(u"dialect"_s).toString(), u"stalwart"_s);
        bool found = false;
        for (const QJsonValue &value : result.json().value(u"problems"_s).toArray()) {
            const QJsonObject problem = value.toObject();
            found = found
                || (problem.value(u"severity"_s).toString() == u"error"_s
                    && problem.value(u"pointer"_s).toString().endsWith(u"/parameters"_s));
        }
        QVERIFY2(found, result.out.constData());
        const QString broken = writeTemp(u"broken.json"_s, "{\"context\": {\"stage\": ");
        QCOMPARE(run({u"decode"_s, broken, u"--json"_s}).exitCode, 1);
    }

    void usageErrorsExitTwo()
    {
        QCOMPARE(run({u"decode"_s}).exitCode, 2);
        QCOMPARE(run({u"decode"_s, m_dir.filePath(u"missing.json"_s)}).exitCode, 2);
        QCOMPARE(run({u"decode"_s, data(u"protocol/stalwart/req-data.json"_s), u"--dialect"_s,
                         u"nonsense"_s})
                     .exitCode,
            2);
        QCOMPARE(run({u"apply"_s, data(u"protocol/stalwart/req-data.json"_s)}).exitCode, 2);
        QCOMPARE(run({u"no-such-command"_s, u"x"_s}).exitCode, 2);
    }

    void appliesStalwartAnswers_data()
    {
        QTest::addColumn<QString>("response");
        QTest::addColumn<QString>("action");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("enhanced");
        QTest::addColumn<bool>("queued");
        QTest::addRow("accept") << u"resp-accept.json"_s << u"accept"_s << 250 << u"2.0.0"_s
                                << true;
        QTest::addRow("reject-custom")
            << u"resp-reject-custom.json"_s << u"reject"_s << 550 << u"5.7.1"_s << false;
        QTest::addRow("tempfail") << u"resp-tempfail.json"_s << u"reject"_s << 451 << u"4.7.1"_s
                                  << false;
        QTest::addRow("discard") << u"resp-discard.json"_s << u"discard"_s << 250 << u"2.0.0"_s
                                 << false;
        QTest::addRow("broken-answer-tempfails") << u"resp-INVALID-modifications-null.json"_s
                                                 << u"reject"_s << 451 << u"4.3.5"_s << false;
    }

    void appliesStalwartAnswers()
    {
        QFETCH(QString, response);
        QFETCH(QString, action);
        QFETCH(int, code);
        QFETCH(QString, enhanced);
        QFETCH(bool, queued);
        const Run result = run({u"apply"_s, data(u"protocol/stalwart/req-data.json"_s),
            data(u"protocol/stalwart/"_s + response), u"--json"_s});
        const QJsonObject json = result.json();
        QCOMPARE(json.value(u"dialect"_s).toString(), u"stalwart"_s);
        QCOMPARE(json.value(u"action"_s).toString(), action);
        QCOMPARE(json.value(u"reply"_s).toObject().value(u"code"_s).toInt(), code);
        QCOMPARE(json.value(u"reply"_s).toObject().value(u"enhancedCode"_s).toString(), enhanced);
        QCOMPARE(!json.value(u"message"_s).isNull(), queued);
        QCOMPARE(json.value(u"envelope"_s).toObject().value(u"to"_s).toArray().size(), 2);
        // A malformed answer is an error of the exchange: exit code 1.
        QCOMPARE(result.exitCode, response.contains(u"INVALID"_s) ? 1 : 0);
    }

    void appliesModificationsByteExactly()
    {
        const Run result = run({u"apply"_s, data(u"protocol/stalwart/req-data.json"_s),
            data(u"protocol/stalwart/resp-add-headers.json"_s), u"--json"_s});
        QCOMPARE(result.exitCode, 0);
        const QString message = result.json().value(u"message"_s).toString();
        const QString original
            = QString::fromUtf8(TestSupport::readData(u"protocol/stalwart/req-data.eml"_s));
        // addHeader puts the new fields on top and leaves every original byte as it was.
        QVERIFY(message.endsWith(original));
        QVERIFY(message.size() > original.size());
        QVERIFY(result.json().value(u"messageChanged"_s).toBool());
    }

    void appliesDraftPatches()
    {
        const Run reject = run({u"apply"_s, data(u"protocol/draft01/req-rcpt.json"_s),
            data(u"protocol/draft01/resp-ordering.json"_s), u"--json"_s});
        QCOMPARE(reject.json().value(u"dialect"_s).toString(), u"draft-01"_s);
        QVERIFY(!reject.json().value(u"action"_s).toString().isEmpty());
        // 204 (an empty answer file) is "no change" for a draft request.
        const QString empty = writeTemp(u"empty.json"_s, QByteArray());
        const Run noChange
            = run({u"apply"_s, data(u"protocol/draft01/req-data.json"_s), empty, u"--json"_s});
        QCOMPARE(noChange.exitCode, 0);
        QCOMPARE(noChange.json().value(u"action"_s).toString(), u"accept"_s);
        QCOMPARE(noChange.json().value(u"messageChanged"_s).toBool(), false);
        QCOMPARE(noChange.json().value(u"message"_s).toString().toUtf8(),
            TestSupport::readData(u"protocol/draft01/req-data.eml"_s));
    }

    void printsReadableSummariesWithoutJson()
    {
        const Run decode = run({u"decode"_s, data(u"protocol/stalwart/req-data.json"_s)});
        QCOMPARE(decode.exitCode, 0);
        QVERIFY(decode.out.contains("request"));
        QVERIFY(decode.out.contains("stalwart"));
        QVERIFY(decode.out.contains("text/plain") || decode.out.contains("multipart/"));
        const Run apply = run({u"apply"_s, data(u"protocol/stalwart/req-data.json"_s),
            data(u"protocol/stalwart/resp-reject-custom.json"_s)});
        QVERIFY(apply.out.contains("reply"));
        QVERIFY(apply.out.contains("550"));
    }
};

QTEST_GUILESS_MAIN(TestAppCommands)
#include "tst_app_commands.moc"
