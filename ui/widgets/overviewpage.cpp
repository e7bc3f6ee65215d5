// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/widgets/overviewpage.h"

#include "ui/models/verdictstyle.h"

#include <QEvent>
#include <QLocale>
#include <QTextBrowser>
#include <QTimeZone>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using namespace MtaHooks;

namespace {

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return OverviewPage::tr(text, disambiguation, n);
}

// What each verdict means for the mail, in one sentence a newcomer understands.
QString verdictMeaning(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Accept:
        return tr("The MTA goes on with this stage.");
    case Verdict::Reject:
        return tr("The MTA refuses with a permanent error (5xx): the sender gets a bounce.");
    case Verdict::Tempfail:
        return tr("The MTA answers with a temporary error (4xx): the sender will try again later.");
    case Verdict::Discard:
        return tr("The MTA accepts, then silently drops the message.");
    case Verdict::Quarantine:
        return tr("The MTA accepts the message and holds it in quarantine.");
    case Verdict::Disconnect:
        return tr("The MTA closes the connection.");
    case Verdict::Continue:
        return tr("The delivery goes on.");
    case Verdict::Cancel:
        return tr("The delivery is cancelled.");
    case Verdict::Held:
        return tr("Hookscope has not answered yet: the MTA is waiting. Edit the answer in the "
                  "yellow editor above and send it, or let the default go out.");
    case Verdict::Error:
        return tr("The call failed: the MTA applies its failure policy (Stalwart tempfails with "
                  "451 4.3.5 by default; a draft MTA uses its default action).");
    case Verdict::None:
        break;
    }
    return {};
}

QString kindMeaning(Mock::ExchangeKind kind)
{
    switch (kind) {
    case Mock::ExchangeKind::Discovery:
        return tr("The MTA asked what this scanner offers (draft discovery document).");
    case Mock::ExchangeKind::Registration:
        return tr("The MTA registered with this scanner (draft-01): it says which stages and "
                  "properties it will send.");
    case Mock::ExchangeKind::Status:
        return tr("The MTA asked for the state of its registration.");
    case Mock::ExchangeKind::Deregistration:
        return tr("The MTA removed its registration.");
    case Mock::ExchangeKind::Other:
        return tr("A request the endpoint does not know (wrong path or method?).");
    case Mock::ExchangeKind::Hook:
        break;
    }
    return {};
}

QString stageMeaning(Stage stage)
{
    switch (stage) {
    case Stage::Connect:
        return tr("a client has just connected");
    case Stage::Ehlo:
        return tr("after EHLO/HELO");
    case Stage::Auth:
        return tr("after AUTH");
    case Stage::Mail:
        return tr("after MAIL FROM");
    case Stage::Rcpt:
        return tr("after a RCPT TO");
    case Stage::Data:
        return tr("after the whole message was received");
    case Stage::Route:
        return tr("before the next hop is chosen");
    case Stage::Delivery:
        return tr("after a delivery attempt");
    case Stage::Defer:
        return tr("a recipient must be retried");
    case Stage::Dsn:
        return tr("a delivery status notification is about to be sent");
    case Stage::Unknown:
        break;
    }
    return {};
}

QString dialectText(Dialect dialect, Encoding encoding)
{
    QString text;
    switch (dialect) {
    case Dialect::Stalwart:
        text = tr("Stalwart (legacy format)");
        break;
    case Dialect::Draft01:
        text = tr("IETF draft-01");
        break;
    case Dialect::Draft02:
        text = tr("IETF draft-02 (provisional)");
        break;
    case Dialect::Unknown:
        text = tr("unknown dialect");
        break;
    }
    if (encoding != Encoding::Unknown)
        text += u", "_s + encodingName(encoding).toUpper();
    return text;
}

// Draft-01 and draft-02 requests look alike: which draft a call followed shows only in the form
// of its answer, so the row says what it is known by.
QString protocolText(const ExchangeAnalysis &analysis)
{
    const HookRequest &request = analysis.request;
    const bool draft = request.dialect == Dialect::Draft01 || request.dialect == Dialect::Draft02;
    if (!draft)
        return dialectText(request.dialect, request.encoding);
    if (analysis.exchange.dialect == Dialect::Draft02)
        return dialectText(Dialect::Draft02, request.encoding)
            + tr(": by its answer, an RFC 6902 patch (a draft request does not say which draft "
                 "it follows)");
    const bool shaped = analysis.hasOutcome && !analysis.callFailed && !analysis.response.malformed
        && !analysis.exchange.responseBody.trimmed().isEmpty();
    if (shaped && analysis.response.dialect == Dialect::Draft01)
        return dialectText(Dialect::Draft01, request.encoding)
            + tr(": by its answer's form (a draft request does not say which draft it follows)");
    QString text = tr("IETF draft-01 or draft-02: the request does not say which, and no answer "
                      "showed it");
    if (request.encoding != Encoding::Unknown)
        text += u", "_s + encodingName(request.encoding).toUpper();
    return text;
}

QString parametersText(const Parameters &parameters)
{
    QStringList parts;
    for (const auto &[name, value] : parameters)
        parts.append(value.isEmpty() ? name : name + u'=' + value);
    return parts.join(u' ');
}

QString addressHtml(const EnvelopeAddress &address, bool isSender)
{
    QString html = address.address.isEmpty() && isSender
        ? tr("&lt;&gt; <i>(null sender: a bounce or notification)</i>")
        : u"&lt;"_s + esc(address.address) + u"&gt;"_s;
    if (!address.parameters.isEmpty())
        html += u" <tt>"_s + esc(parametersText(address.parameters)) + u"</tt>"_s;
    if (!address.status.isEmpty())
        html += u" — "_s + esc(address.status)
            + (address.attempt > 0 ? tr(", attempt %1").arg(address.attempt) : QString());
    return html;
}

QString none(const QString &why)
{
    return u"<i>"_s + esc(why) + u"</i>"_s;
}

class Page
{
public:
    explicit Page(const QPalette &palette)
        : m_palette(palette)
    { }

    void raw(const QString &html) { m_html += html; }

    void section(const QString &title)
    {
        closeTable();
        m_html += u"<h3 style=\"margin-top:14px; margin-bottom:4px\">"_s + esc(title) + u"</h3>"_s;
    }

    // A key/value row; valueHtml is already escaped.
    void row(const QString &key, const QString &valueHtml)
    {
        if (!m_inTable) {
            m_html += u"<table cellspacing=\"0\" cellpadding=\"2\">"_s;
            m_inTable = true;
        }
        m_html += u"<tr><td width=\"170\" style=\"color:%1; padding-right:16px\" "
                  u"valign=\"top\">%2</td>"
                  "<td valign=\"top\">%3</td></tr>"_s.arg(
                      m_palette.color(QPalette::PlaceholderText).name(), esc(key), valueHtml);
    }

    void paragraph(const QString &html)
    {
        closeTable();
        m_html += u"<p style=\"margin-top:4px; margin-bottom:4px\">"_s + html + u"</p>"_s;
    }

    QString finish()
    {
        closeTable();
        return m_html;
    }

private:
    void closeTable()
    {
        if (m_inTable)
            m_html += u"</table>"_s;
        m_inTable = false;
    }

    const QPalette &m_palette;
    QString m_html;
    bool m_inTable = false;
};

void banner(Page &page, const ExchangeAnalysis &analysis, const QPalette &palette)
{
    const Mock::Exchange &exchange = analysis.exchange;
    Verdict verdict = exchange.held ? Verdict::Held : exchange.verdict;
    QString headline;
    QString detail;
    if (!analysis.isHook) {
        verdict = exchange.httpStatus >= 200 && exchange.httpStatus < 300 ? Verdict::Accept
                                                                          : Verdict::Error;
        headline = Mock::exchangeKindName(exchange.kind).toUpper();
        detail = esc(QString::fromUtf8(exchange.method + ' ' + exchange.path)) + u" → "_s
            + esc(httpStatusText(exchange.httpStatus));
    } else if (analysis.hasOutcome) {
        verdict = exchange.held ? Verdict::Held : analysis.outcome.verdict;
        headline = verdictName(verdict).toUpper();
        detail = esc(analysis.outcome.reply.toString());
        if (analysis.outcome.disconnect)
            detail += esc(tr(" — then disconnects"));
    } else {
        headline = verdict == Verdict::None ? tr("NO ANSWER") : verdictName(verdict).toUpper();
        if (!exchange.fault.isEmpty())
            detail = esc(tr("fault injected: %1").arg(exchange.fault));
    }
    const QColor hue = verdictColor(verdict, palette);
    const QColor background = verdictWash(verdict, palette);
    QString meaning = analysis.isHook ? verdictMeaning(verdict) : kindMeaning(exchange.kind);
    if (analysis.isHook && !analysis.request.isDecoded())
        meaning = tr("The request could not be decoded, so the MTA's reading of the answer is "
                     "unknown.");
    page.raw(u"<table width=\"100%\" cellspacing=\"0\" cellpadding=\"8\" bgcolor=\"%1\"><tr><td>"
             "<span style=\"font-size:x-large; font-weight:bold; color:%2\">%3</span>"
             "&nbsp;&nbsp;<span style=\"font-size:large\">%4</span><br/>%5</td></tr></table>"_s.arg(
                 background.name(), hue.name(), esc(headline), detail, esc(meaning)));

    const int errors = countOf(exchange.problems, Severity::Error);
    const int warnings = countOf(exchange.problems, Severity::Warning);
    const int infos = countOf(exchange.problems, Severity::Info);
    if (!exchange.problems.isEmpty()) {
        QStringList counts;
        if (errors)
            counts.append(errors == 1 ? tr("1 error") : tr("%1 errors").arg(errors));
        if (warnings)
            counts.append(warnings == 1 ? tr("1 warning") : tr("%1 warnings").arg(warnings));
        if (infos)
            counts.append(infos == 1 ? tr("1 note") : tr("%1 notes").arg(infos));
        const QColor color = verdictColor(errors ? Verdict::Reject : Verdict::Tempfail, palette);
        page.paragraph(u"<span style=\"color:%1; font-weight:bold\">%2</span> — "
                       "<a href=\"hookscope:problems\">%3</a>"_s.arg(color.name(),
                           esc(counts.join(u", "_s)), esc(tr("see the Problems tab"))));
    }
    if (!exchange.note.isEmpty())
        page.paragraph(u"<i>"_s + esc(exchange.note) + u"</i>"_s);
}

void sessionSection(Page &page, const ExchangeAnalysis &analysis)
{
    const HookRequest &request = analysis.request;
    page.section(tr("SMTP session"));
    QString stage = esc(request.stageName.isEmpty() ? stageName(request.stage) : request.stageName);
    if (const QString meaning = stageMeaning(request.stage); !meaning.isEmpty())
        stage += u" <i>("_s + esc(meaning) + u")</i>"_s;
    page.row(tr("Stage"), stage);
    page.row(tr("Protocol"), esc(protocolText(analysis)));
    if (request.direction() == Direction::Inbound) {
        const ClientInfo &client = request.client;
        page.row(tr("Client"),
            client.ip.isEmpty() ? none(tr("not given"))
                                : esc(client.ip) + esc(tr(" port %1").arg(client.port)));
        page.row(tr("Reverse DNS (PTR)"),
            client.ptr.isEmpty() ? none(tr("none (no PTR record, or not looked up yet)"))
                                 : esc(client.ptr));
        page.row(
            tr("EHLO name"), client.ehlo.isEmpty() ? none(tr("not sent yet")) : esc(client.ehlo));
        if (client.asn > 0 || !client.country.isEmpty())
            page.row(
                tr("Network"), esc(tr("AS%1 %2").arg(client.asn).arg(client.country)).trimmed());
        const TlsInfo &tls = request.tls;
        page.row(tr("TLS"),
            tls.present ? esc(tls.version + u", "_s + tls.cipher
                + (tls.cipherBits ? tr(" (%1 bits)").arg(tls.cipherBits) : QString()))
                        : none(tr("none: the connection is not encrypted")));
        if (tls.present && !tls.certSubject.isEmpty())
            page.row(tr("Client certificate"),
                esc(tls.certSubject + tr(", issued by ") + tls.certIssuer));
        const Document senderAuth = request.document.value(u"/senderAuth");
        if (senderAuth.isObject()) {
            // Draft requests carry the MTA's SPF/DKIM/ARC/DMARC results.
            QStringList results;
            const QStringList keys = senderAuth.keys();
            for (const QString &key : keys) {
                const Document result = senderAuth.member(key);
                results.append(key + u' '
                    + (result.isString() ? result.toString() : result.toDisplayString()));
            }
            page.row(tr("Sender checks"), esc(results.join(u"  ·  "_s)));
        }
        page.row(tr("Authenticated as"),
            request.auth.present ? esc(request.auth.login
                + (request.auth.method.isEmpty() ? QString()
                                                 : u" ("_s + request.auth.method + u')'))
                                 : none(tr("not authenticated")));
    }
    const ServerInfo &server = request.server;
    if (!server.name.isEmpty() || !server.ip.isEmpty())
        page.row(tr("Server"),
            esc(QStringList {
                server.name, server.ip, server.port ? tr("port %1").arg(server.port) : QString()}
                    .join(u' ')
                    .simplified()));
    page.row(tr("Queue id"),
        request.queueId.isEmpty() ? none(tr("none yet (assigned once a message is queued)"))
                                  : esc(request.queueId));
    if (!request.timestamp.isEmpty())
        page.row(tr("Stage began"), esc(request.timestamp));
}

void envelopeSection(Page &page, const ExchangeAnalysis &analysis)
{
    const HookRequest &request = analysis.request;
    if (!request.envelope.present)
        return;
    page.section(tr("Envelope"));
    page.row(u"MAIL FROM"_s, addressHtml(request.envelope.from, true));
    const QList<EnvelopeAddress> &to = request.envelope.to;
    if (to.isEmpty())
        page.row(u"RCPT TO"_s, none(tr("no recipients yet")));
    for (qsizetype i = 0; i < to.size(); ++i) {
        QString html = addressHtml(to.at(i), false);
        // Stalwart sends every recipient so far and checks the last one (reference §b.1).
        if (request.dialect == Dialect::Stalwart && request.stage == Stage::Rcpt
            && i == to.size() - 1)
            html += u" <b>"_s + esc(tr("← being checked")) + u"</b>"_s;
        page.row(i == 0 ? u"RCPT TO"_s : QString(), html);
    }
}

void comparisonSection(Page &page, const ExchangeAnalysis &analysis, const QPalette &palette)
{
    if (!analysis.hasMessage)
        return;
    const EnvelopeComparison c = compareEnvelope(analysis.request.envelope, analysis.message);
    if (!c.available)
        return;
    page.section(tr("Envelope and message headers"));
    page.paragraph(esc(tr("The envelope decides where the MTA delivers and where bounces go; the "
                          "headers are what the reader's mail client shows. They often differ.")));
    const QColor noteColor = verdictColor(Verdict::Tempfail, palette);
    const auto cell = [](const QString &html) -> QString {
        return u"<td valign=\"top\">"_s + html + u"</td>"_s;
    };
    const auto list = [](const QStringList &addresses) -> QString {
        return addresses.isEmpty() ? none(tr("none")) : esc(addresses.join(u", "_s));
    };
    QString table
        = u"<table cellspacing=\"0\" cellpadding=\"4\" border=\"1\" style=\"border-color:%1; "
          "border-style:solid\"><tr><th></th><th align=\"left\">%2</th><th align=\"left\">%3</th>"
          "<th></th></tr>"_s.arg(palette.color(QPalette::Mid).name(), esc(tr("Envelope (SMTP)")),
              esc(tr("Message headers")));
    const QString same = esc(tr("same"));
    const QString differs
        = u"<span style=\"color:%1\">%2</span>"_s.arg(noteColor.name(), esc(tr("differs")));
    table += u"<tr>"_s + cell(esc(tr("Sender")))
        + cell(u"MAIL FROM: "_s + (c.mailFrom.isEmpty() ? u"&lt;&gt;"_s : esc(c.mailFrom)))
        + cell(u"From: "_s + list(c.headerFrom)) + cell(c.senderDiffers ? differs : same)
        + u"</tr>"_s;
    const bool recipientsDiffer = !c.onlyInEnvelope.isEmpty() || !c.onlyInHeaders.isEmpty();
    QString headerRecipients = u"To: "_s + list(c.headerTo);
    if (!c.headerCc.isEmpty())
        headerRecipients += u"<br/>Cc: "_s + list(c.headerCc);
    table += u"<tr>"_s + cell(esc(tr("Recipients"))) + cell(u"RCPT TO: "_s + list(c.rcptTo))
        + cell(headerRecipients) + cell(recipientsDiffer ? differs : same) + u"</tr></table>"_s;
    page.raw(table);

    QStringList notes;
    if (c.senderDiffers)
        notes.append(c.mailFrom.isEmpty()
                ? tr("The envelope sender is empty: this is a bounce or an automatic notification, "
                     "which must not itself bounce.")
                : tr("The envelope sender (the bounce address) is not the From: address. That is "
                     "normal for mailing lists, forwarding and bulk senders. SPF checks the "
                     "envelope sender; DMARC checks the From: domain."));
    if (!c.onlyInEnvelope.isEmpty())
        notes.append(tr("In the envelope but not in To:/Cc: %1 — a Bcc, a mailing list or an "
                        "alias expansion. They receive the message without being named in it.")
                         .arg(c.onlyInEnvelope.join(u", "_s)));
    if (!c.onlyInHeaders.isEmpty())
        notes.append(tr("In To:/Cc: but not in this envelope: %1 — this transaction does not "
                        "deliver to them (another server, or another transaction, may).")
                         .arg(c.onlyInHeaders.join(u", "_s)));
    for (const QString &note : std::as_const(notes))
        page.paragraph(u"<span style=\"color:%1\">ℹ</span> "_s.arg(noteColor.name()) + esc(note));
}

void answerSection(Page &page, const ExchangeAnalysis &analysis)
{
    const Mock::Exchange &exchange = analysis.exchange;
    page.section(tr("Answer"));
    if (analysis.isHook && analysis.request.dialect != Dialect::Stalwart
        && analysis.request.action != Action::None) {
        // Draft requests say what the MTA does if nobody objects: the baseline of the verdict.
        QString baseline = esc(actionName(analysis.request.action));
        if (!analysis.request.reply.isEmpty())
            baseline += u" ("_s + esc(analysis.request.reply.toString()) + u')';
        page.row(tr("Without an answer"), baseline);
    }
    if (exchange.held)
        page.row(tr("HTTP"), none(tr("held, not answered yet")));
    else if (exchange.httpStatus == 0)
        page.row(tr("HTTP"), none(tr("no response: the connection was dropped")));
    else
        page.row(tr("HTTP"), esc(httpStatusText(exchange.httpStatus)));
    if (analysis.hasOutcome) {
        const Outcome &outcome = analysis.outcome;
        page.row(tr("Action"), esc(actionName(outcome.action)));
        if (!outcome.reply.isEmpty())
            page.row(tr("SMTP reply sent"), u"<tt>"_s + esc(outcome.reply.toString()) + u"</tt>"_s);
        QStringList changes;
        if (outcome.envelopeChanged)
            changes.append(tr("envelope"));
        if (outcome.messageChanged)
            changes.append(tr("message"));
        page.row(tr("Changes"),
            changes.isEmpty() ? none(tr("none"))
                              : esc(changes.join(u" and "_s))
                    + u" — <a href=\"hookscope:answer\">"_s + esc(tr("see the diff")) + u"</a>"_s);
        if (outcome.malformed)
            page.row(tr("Unusable answer"),
                esc(tr("the MTA cannot use this answer and applies its error rule")));
    }
    if (!exchange.fault.isEmpty())
        page.row(tr("Fault injected"), esc(exchange.fault));
    if (!exchange.ruleName.isEmpty())
        page.row(tr("Rule"), u"<b>"_s + esc(exchange.ruleName) + u"</b>"_s);
    if (!exchange.ruleReason.isEmpty())
        page.row(tr("Why it matched"), esc(exchange.ruleReason));
    if (!exchange.matchTrace.isEmpty()) {
        QString trace;
        for (const QString &line : exchange.matchTrace)
            trace += u"• "_s + esc(line) + u"<br/>"_s;
        page.row(tr("Rules above it"), trace);
    }
}

void callSection(Page &page, const ExchangeAnalysis &analysis)
{
    const Mock::Exchange &exchange = analysis.exchange;
    page.section(tr("Call"));
    if (exchange.received.isValid()) {
        const QDateTime local = exchange.received.toLocalTime();
        page.row(tr("Received"),
            esc(QLocale().toString(local, u"yyyy-MM-dd HH:mm:ss.zzz"_s) + u"  ("_s
                + exchange.received.toUTC().toString(Qt::ISODateWithMs) + u')'));
    }
    if (!exchange.held && exchange.latencyUs > 0)
        page.row(tr("Answered in"),
            esc(exchange.latencyUs < 1000
                    ? tr("%1 µs").arg(exchange.latencyUs)
                    : tr("%1 ms").arg(QLocale().toString(exchange.latencyUs / 1000.0, 'f', 1))));
    page.row(tr("Request"),
        esc(QString::fromUtf8(exchange.method + ' ' + exchange.path))
            + u" <a href=\"hookscope:request\">"_s + esc(tr("see the request")) + u"</a>"_s);
    if (!exchange.peerAddress.isEmpty())
        page.row(tr("From"), esc(exchange.peerAddress + u':' + QString::number(exchange.peerPort)));
    if (!exchange.clientCertificate.isEmpty())
        page.row(tr("Client certificate"), esc(exchange.clientCertificate));
    if (!exchange.sessionKey.isEmpty())
        page.row(tr("SMTP session"),
            esc(tr("%1, call %2").arg(exchange.sessionKey).arg(exchange.sequence)));
}

} // namespace

OverviewPage::OverviewPage(QWidget *parent)
    : QWidget(parent)
    , m_browser(new QTextBrowser(this))
{
    m_browser->setObjectName(u"overviewBrowser"_s);
    m_browser->setOpenLinks(false);
    m_browser->setOpenExternalLinks(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_browser);
    connect(m_browser, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == u"hookscope"_s)
            Q_EMIT linkActivated(url.path());
    });
}

OverviewPage::~OverviewPage() = default;

void OverviewPage::showAnalysis(const ExchangeAnalysis &analysis)
{
    m_analysis = analysis;
    m_hasAnalysis = true;
    m_browser->setHtml(html(analysis, palette()));
}

void OverviewPage::clear()
{
    m_hasAnalysis = false;
    m_analysis = {};
    m_browser->setHtml(u"<p><i>%1</i></p>"_s.arg(esc(tr("Select a call to see it here."))));
}

QString OverviewPage::toPlainText() const
{
    return m_browser->toPlainText();
}

QString OverviewPage::html(const ExchangeAnalysis &analysis, const QPalette &palette)
{
    Page page(palette);
    banner(page, analysis, palette);
    if (analysis.isHook && analysis.request.isDecoded()) {
        sessionSection(page, analysis);
        envelopeSection(page, analysis);
        comparisonSection(page, analysis, palette);
    }
    if (analysis.isHook)
        answerSection(page, analysis);
    callSection(page, analysis);
    return page.finish();
}

void OverviewPage::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_hasAnalysis)
        m_browser->setHtml(html(m_analysis, palette()));
}
