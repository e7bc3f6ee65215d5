// SPDX-License-Identifier: GPL-3.0-or-later
// What the Connect panel tells a user to paste into their MTA: Stalwart's hook table read back as
// TOML with the key names of the protocol reference §d.1, the draft-01 registration read back as
// JSON and registered at the mock's own control plane, the secret masked until it is asked for.
#include "mock/scanner/controlplane.h"
#include "ui/connectpanel.h"
#include "ui/connecttexts.h"

#include <QApplication>
#include <QClipboard>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPushButton>
#include <QRegularExpression>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {

using Scheme = Mock::HttpAuth::Scheme;

// Just enough TOML for the generated table: one [table] header, `key = value` lines with dotted
// keys, strings, booleans, integers and string arrays; comments. Keys come back as
// "table.key"; anything else fails the test through *error.
QHash<QString, QVariant> parseToml(const QString &text, QString *error)
{
    QHash<QString, QVariant> values;
    QString table;
    static const QRegularExpression header(uR"re(^\[session\.hook\."([a-z0-9-]+)"\]$)re"_s);
    static const QRegularExpression line(uR"re(^([a-z0-9.-]+) = (.+)$)re"_s);
    static const QRegularExpression string(uR"re(^"((?:[^"\\]|\\.)*)"$)re"_s);
    const auto unquote = [](const QString &value) {
        const auto match = string.match(value);
        return match.hasMatch() ? std::optional<QString>(match.captured(1)) : std::nullopt;
    };
    for (const QString &raw : text.split(u'\n')) {
        const QString row = raw.trimmed();
        if (row.isEmpty() || row.startsWith(u'#'))
            continue;
        if (const auto h = header.match(row); h.hasMatch()) {
            table = u"session.hook."_s + h.captured(1);
            continue;
        }
        const auto kv = line.match(row);
        if (!kv.hasMatch() || table.isEmpty()) {
            *error = u"not a key = value line in a table: "_s + row;
            return {};
        }
        const QString key = table + u'.' + kv.captured(1);
        const QString value = kv.captured(2);
        if (value == u"true"_s || value == u"false"_s) {
            values.insert(key, value == u"true"_s);
        } else if (const auto quoted = unquote(value)) {
            values.insert(key, *quoted);
        } else if (value.startsWith(u'[') && value.endsWith(u']')) {
            QStringList items;
            for (const QString &item : value.mid(1, value.size() - 2).split(u", "_s)) {
                const auto element = unquote(item);
                if (!element) {
                    *error = u"not a string array: "_s + value;
                    return {};
                }
                items.append(*element);
            }
            values.insert(key, items);
        } else if (QRegularExpression(u"^[0-9]+$"_s).match(value).hasMatch()) {
            values.insert(key, value.toLongLong());
        } else {
            *error = u"not a value: "_s + value;
            return {};
        }
    }
    return values;
}

ConnectInfo infoWith(Scheme scheme)
{
    ConnectInfo info;
    info.listening = true;
    info.loopbackOnly = false;
    info.baseUrls = {u"http://192.0.2.10:8025"_s, u"http://127.0.0.1:8025"_s};
    info.auth.scheme = scheme;
    info.auth.token = u"tok-secret-123"_s;
    info.auth.user = u"stalwart"_s;
    info.auth.password = u"pw-secret-456"_s;
    info.timeoutMs = 15000;
    info.discovery = Mock::ControlPlane().discoveryDocument();
    info.sampleBody = R"({"context":{"stage":"data"}})";
    return info;
}

} // namespace

class TestConnectTexts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stalwartToml_data()
    {
        QTest::addColumn<int>("scheme");
        QTest::addColumn<bool>("reveal");
        QTest::addRow("none") << int(Scheme::None) << false;
        QTest::addRow("basic masked") << int(Scheme::Basic) << false;
        QTest::addRow("basic shown") << int(Scheme::Basic) << true;
        QTest::addRow("bearer masked") << int(Scheme::Bearer) << false;
        QTest::addRow("bearer shown") << int(Scheme::Bearer) << true;
    }

    void stalwartToml()
    {
        QFETCH(int, scheme);
        QFETCH(bool, reveal);
        const ConnectInfo info = infoWith(Scheme(scheme));
        const QStringList stages {u"connect"_s, u"rcpt"_s, u"data"_s};
        const QString text = ConnectTexts::stalwartToml(info, stages, reveal);
        QString error;
        const QHash<QString, QVariant> toml = parseToml(text, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error + u"\n"_s + text));
        // Only the keys Stalwart 0.8 – 0.15 read for a hook (reference §d.1).
        static const QStringList known {u"enable"_s, u"url"_s, u"stages"_s,
            u"allow-invalid-certs"_s, u"headers"_s, u"options.tempfail-on-error"_s,
            u"options.max-response-size"_s, u"auth.username"_s, u"auth.secret"_s, u"timeout"_s};
        for (auto it = toml.cbegin(); it != toml.cend(); ++it) {
            QVERIFY2(it.key().startsWith(u"session.hook.hookscope."_s), qPrintable(it.key()));
            QVERIFY2(known.contains(it.key().mid(qsizetype(strlen("session.hook.hookscope.")))),
                qPrintable(it.key()));
        }
        const auto value = [&toml](const char *key) {
            return toml.value(u"session.hook.hookscope."_s + QLatin1StringView(key));
        };
        QCOMPARE(value("enable"), QVariant(true));
        const QUrl url(value("url").toString());
        QCOMPARE(url.scheme(), u"http"_s);
        QCOMPARE(url.host(), u"192.0.2.10"_s); // the address an MTA elsewhere reaches
        QCOMPARE(url.port(), 8025);
        QCOMPARE(url.path(), u"/hook"_s);
        QCOMPARE(value("stages").toStringList(), stages);
        QCOMPARE(value("timeout"), QVariant(u"15s"_s));
        QCOMPARE(value("options.tempfail-on-error"), QVariant(false));
        QCOMPARE(value("options.max-response-size"), QVariant(qlonglong(52428800)));
        QCOMPARE(value("allow-invalid-certs"), QVariant(false));
        switch (Scheme(scheme)) {
        case Scheme::None:
            QVERIFY(!toml.contains(u"session.hook.hookscope.auth.username"_s));
            QVERIFY(!toml.contains(u"session.hook.hookscope.headers"_s));
            break;
        case Scheme::Basic:
            QCOMPARE(value("auth.username"), QVariant(u"stalwart"_s));
            QCOMPARE(
                value("auth.secret"), QVariant(reveal ? u"pw-secret-456"_s : u"<your password>"_s));
            break;
        case Scheme::Bearer:
            QCOMPARE(value("headers").toStringList(),
                QStringList {u"Authorization: Bearer "_s
                    + (reveal ? u"tok-secret-123"_s : u"<your token>"_s)});
            break;
        }
        if (!reveal) {
            QVERIFY(!text.contains(u"pw-secret-456"_s));
            QVERIFY(!text.contains(u"tok-secret-123"_s));
        }
    }

    void stalwartMtaHookFields()
    {
        ConnectInfo info = infoWith(Scheme::Bearer);
        info.tls = true;
        const QString masked = ConnectTexts::stalwartMtaHook(info, {u"data"_s}, false);
        // The MtaHook object's field names (Stalwart 0.16), one per line.
        for (const QString &field :
            {u"enable"_s, u"url"_s, u"stages"_s, u"timeout"_s, u"tempFailOnError"_s,
                u"allowInvalidCerts"_s, u"maxResponseSize"_s, u"httpAuth"_s}) {
            QVERIFY2(masked.contains(QRegularExpression(u"(^|\n)%1 +\\S"_s.arg(field))),
                qPrintable(field + u"\n"_s + masked));
        }
        QVERIFY(masked.contains(u"http://192.0.2.10:8025/hook\n"_s));
        QVERIFY(masked.contains(u"httpAuth           Bearer, bearerToken: <your token>"_s));
        QVERIFY(!masked.contains(u"tok-secret-123"_s));
        QVERIFY(ConnectTexts::stalwartMtaHook(info, {u"data"_s}, true)
                    .contains(u"bearerToken: tok-secret-123"_s));
    }

    // The registration the text shows is one the endpoint's control plane accepts, and what it
    // negotiates is every stage the discovery document offers.
    void draftRegistrationIsAccepted()
    {
        const ConnectInfo info = infoWith(Scheme::Bearer);
        const QString text = ConnectTexts::draftSetup(info, false);
        QVERIFY(text.contains(u"http://192.0.2.10:8025/.well-known/mta-hooks"_s));
        QVERIFY(text.contains(u"http://192.0.2.10:8025/v1/hooks/register"_s));
        QVERIFY(text.contains(u"Authorization: Bearer <your token>"_s));
        QVERIFY(!text.contains(u"tok-secret-123"_s));
        QVERIFY(text.contains(u"inbound stages:  connect, ehlo, mail, rcpt, data"_s));
        const qsizetype open = text.indexOf(u"\n{\n"_s);
        const qsizetype close = text.indexOf(u"\n}\n"_s, open);
        QVERIFY(open > 0 && close > open);
        QJsonParseError error {};
        const QByteArray body = text.mid(open + 1, close - open + 1).toUtf8();
        const QJsonObject registration = QJsonDocument::fromJson(body, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QCOMPARE(registration.value(u"timeoutMs"_s).toInt(), 15000);

        Mock::ControlPlane plane;
        const auto reply = plane.handle(
            "POST", Mock::ControlPlane::registrationPath(), "application/json", {}, body);
        QVERIFY(reply);
        QCOMPARE(reply->httpStatus, 201);
        const QJsonObject negotiated
            = QJsonDocument::fromJson(reply->body).object().value(u"negotiated"_s).toObject();
        const QJsonObject offered = info.discovery.value(u"capabilities"_s).toObject();
        for (const QString &direction : {u"inbound"_s, u"outbound"_s}) {
            QCOMPARE(negotiated.value(direction).toObject().value(u"stages"_s),
                offered.value(direction).toObject().value(u"stages"_s));
        }
    }

    void curlCommandShape()
    {
        ConnectInfo info = infoWith(Scheme::Basic);
        info.tls = true;
        info.certificateFile = u"/etc/hookscope/it's.pem"_s;
        const QString masked = ConnectTexts::curlCommand(info, false);
        QVERIFY(masked.startsWith(u"curl -sS -X POST 'http://192.0.2.10:8025/hook'"_s));
        QVERIFY(masked.contains(u"-u 'stalwart:<your password>'"_s));
        QVERIFY(masked.contains(uR"(--cacert '/etc/hookscope/it'\''s.pem')"_s));
        QVERIFY(masked.endsWith(u"<<'EOF'\n{\"context\":{\"stage\":\"data\"}}\nEOF\n"_s));
        QVERIFY(ConnectTexts::curlCommand(info, true).contains(u"-u 'stalwart:pw-secret-456'"_s));
    }

    void panelMasksAndCopies()
    {
        ConnectPanel panel;
        panel.setInfo(infoWith(Scheme::Bearer));
        for (ConnectPanel::Section section :
            {ConnectPanel::Urls, ConnectPanel::Stalwart, ConnectPanel::Draft, ConnectPanel::Curl})
            QVERIFY(!panel.sectionText(section).contains(u"tok-secret-123"_s));
        QCOMPARE(panel.sectionText(ConnectPanel::Urls),
            u"http://192.0.2.10:8025/hook\nhttp://127.0.0.1:8025/hook"_s);
        panel.setStalwartVersion(ConnectPanel::ConfigToml);
        panel.setStalwartStages({u"mail"_s, u"data"_s});
        QVERIFY(
            panel.sectionText(ConnectPanel::Stalwart).contains(u"stages = [\"mail\", \"data\"]"_s));
        panel.setSecretShown(true);
        QVERIFY(panel.sectionText(ConnectPanel::Curl).contains(u"Bearer tok-secret-123"_s));
        panel.copySection(ConnectPanel::Stalwart);
        QCOMPARE(QApplication::clipboard()->text(), panel.sectionText(ConnectPanel::Stalwart));
        QVERIFY(panel.testCallButton()->isEnabled());
        ConnectInfo stopped = infoWith(Scheme::None);
        stopped.listening = false;
        panel.setInfo(stopped);
        QVERIFY(!panel.testCallButton()->isEnabled());
    }
};

QTEST_MAIN(TestConnectTexts)
#include "tst_ui_connecttexts.moc"
