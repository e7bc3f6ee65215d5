// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/decodecommand.h"

#include "app/commandhelp.h"
#include "app/jsonview.h"
#include "mock/mime/mimedecoder.h"
#include "mock/protocol/codec.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <functional>

using namespace MtaHooks;

namespace {

enum class Kind { Request, Response, Message };

QString kindName(Kind kind)
{
    switch (kind) {
    case Kind::Request:
        return QStringLiteral("request");
    case Kind::Response:
        return QStringLiteral("response");
    case Kind::Message:
        return QStringLiteral("message");
    }
    return {};
}

// A structured body starts with '{' / '[' (JSON) or a CBOR / MessagePack map or array head; a
// message starts with printable header text.
bool looksStructured(QByteArrayView bytes)
{
    for (char c : bytes) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        const auto b = static_cast<unsigned char>(c);
        return c == '{' || c == '[' || b >= 0x80;
    }
    return false;
}

struct Decoded
{
    Kind kind = Kind::Request;
    Dialect dialect = Dialect::Unknown;
    Encoding encoding = Encoding::Unknown;
    QString stage;
    Problems problems;
    bool hasMessage = false;
    Mime::MimeMessage message;
};

void printSummary(const Decoded &decoded, QTextStream &out)
{
    out << kindName(decoded.kind);
    if (decoded.dialect != Dialect::Unknown)
        out << "  " << dialectName(decoded.dialect);
    out << "  " << encodingName(decoded.encoding);
    if (!decoded.stage.isEmpty())
        out << "  stage " << decoded.stage;
    out << '\n';
    if (decoded.hasMessage) {
        const Mime::MimeMessage &message = decoded.message;
        if (message.hasSubject)
            out << "message  \"" << message.subject << '"';
        else
            out << "message  (no subject)";
        out << "  from " << message.from.join(u", ") << "  to " << message.to.join(u", ") << '\n';
        std::function<void(const Mime::MimePart &, int)> print
            = [&out, &print](const Mime::MimePart &part, int depth) {
                  out << QString(2 + depth * 2, u' ') << part.contentType();
                  if (!part.charset().isEmpty())
                      out << "; charset=" << part.charset();
                  if (!part.filename().isEmpty())
                      out << "  \"" << part.filename() << '"';
                  if (!part.isMultipart())
                      out << "  " << part.size() << " bytes";
                  for (const Mime::Defect &defect : part.defects())
                      out << "  [" << defect.code << ']';
                  out << '\n';
                  const QString indent(4 + depth * 2, u' ');
                  for (const QList<Mime::Header> &block : part.fieldBlocks()) {
                      for (const Mime::Header &field : block)
                          out << indent << "| " << field.name << ": " << field.value << '\n';
                      out << indent << "|\n";
                  }
                  for (const Mime::MimePart &child : part.children())
                      print(child, depth + 1);
              };
        print(message.root, 0);
    }
    if (decoded.problems.isEmpty()) {
        out << "no problems\n";
        return;
    }
    out << decoded.problems.size() << " problem(s):\n";
    for (const Problem &problem : decoded.problems) {
        out << "  " << severityName(problem.severity).leftJustified(8)
            << (problem.pointer.isEmpty() ? QStringLiteral("(document)") : problem.pointer) << "  "
            << problem.message << '\n';
    }
}

} // namespace

int runDecodeCommand(const QStringList &arguments, const CommandIo &io)
{
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print JSON."));
    const QCommandLineOption dialectOption(QStringLiteral("dialect"),
        QStringLiteral("Force the dialect (stalwart, draft-01, draft-02)."),
        QStringLiteral("dialect"));
    const QCommandLineOption kindOption(QStringLiteral("kind"),
        QStringLiteral("Force the kind (request, response, message)."), QStringLiteral("kind"));
    const CommandHelp help {
        .command = QStringLiteral("decode"),
        .synopsis = QStringLiteral("FILE [OPTION]..."),
        .summary = QStringLiteral("Decode a hook request, a hook response or a raw message."),
        .description = QStringLiteral("Prints the kind, dialect, encoding and stage, the message's "
                                      "MIME structure and every problem found; exit 1 when one is "
                                      "an error."),
        .arguments = {{QStringLiteral("FILE"),
            QStringLiteral("request/response (JSON, CBOR, MessagePack) or .eml")}},
        .options = {jsonOption, dialectOption, kindOption},
        .examples = {QStringLiteral("hookscope decode request.json --json"),
            QStringLiteral("hookscope decode answer.cbor --kind response --dialect draft-01")},
    };
    QCommandLineParser parser;
    if (const auto exit = parseCommandLine(parser, help, arguments, io))
        return *exit;
    if (parser.positionalArguments().size() != 1)
        return usageError(help, io);
    DecodeOptions options;
    if (parser.isSet(dialectOption)) {
        const auto dialect = dialectFromName(parser.value(dialectOption));
        if (!dialect) {
            *io.err << "unknown dialect: " << parser.value(dialectOption) << '\n';
            return ExitUsage;
        }
        options.dialect = *dialect;
    }
    std::optional<Kind> forcedKind;
    if (parser.isSet(kindOption)) {
        const QString kind = parser.value(kindOption);
        if (kind == QLatin1String("request"))
            forcedKind = Kind::Request;
        else if (kind == QLatin1String("response"))
            forcedKind = Kind::Response;
        else if (kind == QLatin1String("message"))
            forcedKind = Kind::Message;
        else {
            *io.err << "unknown kind: " << kind << '\n';
            return ExitUsage;
        }
    }

    const QString path = parser.positionalArguments().constFirst();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *io.err << "cannot read " << path << ": " << file.errorString() << '\n';
        return ExitUsage;
    }
    // Only the head decides the kind: a large message is then decoded from a mapping by the MIME
    // layer instead of being read onto the heap here.
    const QByteArray head = file.peek(4096);
    Decoded decoded;
    const QString suffix = QFileInfo(path).suffix().toLower();
    const bool messageFile = suffix == QLatin1String("eml") || suffix == QLatin1String("msg");
    Kind kind = forcedKind.value_or(
        messageFile || !looksStructured(head) ? Kind::Message : Kind::Request);
    if (kind == Kind::Message) {
        decoded.kind = Kind::Message;
        decoded.encoding = Encoding::Rfc5322;
        decoded.hasMessage = true;
        QString error;
        file.close();
        decoded.message = Mime::MimeDecoder::decodeFile(path, &error);
        if (!decoded.message.isValid)
            decoded.problems.append({QString(), Severity::Error,
                error.isEmpty() ? QStringLiteral("not a message") : error});
    } else {
        const QByteArray bytes = file.readAll();
        const Encoding encoding = sniffEncoding(bytes);
        const Document document = encoding == Encoding::Unknown ? Document::invalid()
                                                                : Document::decode(bytes, encoding);
        if (!forcedKind && document.isValid() && detectRequestDialect(document) == Dialect::Unknown
            && detectResponseDialect(document) != Dialect::Unknown)
            kind = Kind::Response;
        decoded.kind = kind;
        if (kind == Kind::Request) {
            const HookRequest request = decodeRequest(bytes, {}, options);
            decoded.dialect = request.dialect;
            decoded.encoding = request.encoding;
            decoded.stage = request.stageName;
            decoded.problems = request.problems;
            if (request.hasMessage) {
                decoded.hasMessage = true;
                decoded.message = Mime::MimeDecoder::decode(request.rawMessage);
            }
        } else {
            const HookResponse response = decodeResponse(bytes, {}, 200, options);
            decoded.dialect = response.dialect;
            decoded.encoding = response.encoding;
            decoded.problems = response.problems;
        }
        // A body past the decoding limits is unreadable input, like a missing file, not a
        // document with problems.
        if (!document.isValid() && !decoded.problems.isEmpty()
            && decoded.problems.constFirst().message.contains(QLatin1String(" limit"))) {
            *io.err << path << ": " << decoded.problems.constFirst().message << '\n';
            return ExitUsage;
        }
    }

    if (parser.isSet(jsonOption)) {
        QJsonObject json {
            {QStringLiteral("kind"), kindName(decoded.kind)},
            {QStringLiteral("dialect"), JsonView::stringOrNull(dialectName(decoded.dialect))},
            {QStringLiteral("encoding"), JsonView::stringOrNull(encodingName(decoded.encoding))},
            {QStringLiteral("stage"), JsonView::stringOrNull(decoded.stage)},
            {QStringLiteral("problems"), JsonView::problems(decoded.problems)},
        };
        if (decoded.hasMessage)
            json.insert(QStringLiteral("message"), JsonView::message(decoded.message));
        *io.out << QJsonDocument(json).toJson(QJsonDocument::Indented);
    } else {
        printSummary(decoded, *io.out);
    }
    io.out->flush();
    return hasErrors(decoded.problems) ? ExitProblems : ExitOk;
}
