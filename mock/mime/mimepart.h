// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <memory>

namespace MtaHooks::Mime {

class MimeDecoder;

// A problem the parser found, with the byte offset into the raw message where GMime saw it
// (-1 when unknown).
//
// Codes are GMime's GMimeParserWarning names without the "GMIME_" prefix (for example
// "CRIT_MULTIPART_WITHOUT_BOUNDARY", "WARN_TRUNCATED_MESSAGE", "CRIT_INVALID_HEADER_NAME"),
// plus the checks MimeDecoder adds itself:
//   WARN_INVALID_BASE64            base64 body with bytes outside the alphabet; the body is then
//                                  taken as it is (no transfer decoding), as Stalwart does
//   WARN_INVALID_QUOTED_PRINTABLE  "=" not followed by two hex digits or a line break
//   WARN_INVALID_UUENCODE          x-uuencode body without a "begin" line; taken as it is
//   WARN_UNKNOWN_TRANSFER_ENCODING Content-Transfer-Encoding GMime does not know; taken as it is
//   WARN_UNKNOWN_CHARSET           charset iconv cannot convert; text() falls back to UTF-8/CP1252
//   CRIT_EMPTY_MESSAGE             no input bytes at all
//   CRIT_NO_HEADERS                the input does not start with a header field
//   WARN_FIRST_LINE_NOT_A_HEADER   the first line is neither a header field nor an mbox "From "
//                                  line (junk, or a continuation of nothing); the headers are
//                                  read from the second line on
//   NOTE_MBOX_FROM_LINE            the input starts with an mbox "From " separator line
//   NOTE_MISSING_CONTENT_TYPE      no Content-Type: text/plain; charset=us-ascii (RFC 2045 §5.2),
//                                  message/rfc822 inside multipart/digest (RFC 2046 §5.1.5).
//                                  Not recorded for a message without MIME-Version (plain
//                                  RFC 5322 text, where the default is no defect at all)
//   WARN_INVALID_CONTENT_TYPE      (GMime's code) a Content-Type that does not parse; the part is
//                                  read as text/plain; charset=us-ascii (RFC 2045 §5.2)
//   WARN_BOUNDARY_TRAILING_TEXT    a line starting with a delimiter ("--boundary") followed by
//                                  other characters than white space: not a delimiter
//                                  (RFC 2046 §5.1.1), so it stays in the part's body
//   WARN_NESTED_BOUNDARY_REUSED    a nested multipart uses the boundary of one enclosing it;
//                                  parsers split such a message differently
//   WARN_NESTED_BOUNDARY_PREFIX    a nested multipart's boundary starts with an enclosing one,
//                                  so the outer delimiter occurs inside the part (RFC 2046 §5.1.1
//                                  forbids it; strict parsers cope, naive ones do not)
//   NOTE_EXTERNAL_BODY             message/external-body (RFC 2046 §5.2.3): names where the
//                                  content is; Hookscope never fetches it
//   WARN_INVALID_FIELD_BLOCK       a line of a message/delivery-status body (RFC 3464) that is
//                                  not a field
// NOTE_ codes are remarks on legal but notable input, not faults.
//   CRIT_UNREADABLE, CRIT_TOO_LARGE  decodeFile() could not read the file; input over 4 GiB
// A defect found inside an attached message that was itself base64/QP encoded carries, on its
// part, an offset into MimePart::containerBytes(); in MimeMessage::defects it points at the
// encoded attachment instead and says where inside it.
struct Defect
{
    qint64 offset = -1;
    QString code; // e.g. "CRIT_MULTIPART_WITHOUT_BOUNDARY"
    QString message; // readable text

    // A remark (NOTE_…: a default the RFCs supply, an mbox From line …), not a rule broken.
    bool isNote() const { return code.startsWith(QLatin1String("NOTE_")); }
    friend bool operator==(const Defect &, const Defect &) = default;
};

struct Header
{
    QByteArray name;
    QByteArray rawValue; // bytes after the colon, unfolded CRLFs kept, leading space kept
    QString value; // RFC 2047 decoded, unfolded, trimmed
    qint64 offset = -1;
};

// One node of an immutable MIME tree. Bodies are not held decoded: body ranges point into the raw
// message the tree was decoded from, so a 50 MB message is not copied per part.
//
// Tree shape: a multipart's children are its subparts; a message/rfc822 (or message/global) part
// has exactly one child, the root part of the attached message (whose headers are the attached
// message's headers). The root of a message carries all of the message's header fields.
class MimePart
{
public:
    MimePart();

    // "1", "2", … in JMAP's depth-first numbering ("" for multiparts). As in Stalwart, every part
    // of a message (multiparts included) takes the next number in depth-first order, the root
    // being 0, and only leaves report theirs: a single-part message is "0", the first leaf under
    // a multipart root is "1". An attached message is one leaf of the message that carries it;
    // the parts inside it are numbered the same way with the carrier's id and a dot in front
    // ("13.0" for the root of the message attached as part "13", "13.1", …).
    QString partId() const;
    QString contentType() const; // lower-case "type/subtype"
    // As declared ("" when absent); "us-ascii" when the Content-Type is missing or unparsable
    // (RFC 2045 §5.2 default).
    QString charset() const;
    QString filename() const; // RFC 2231/2047 decoded ("" when absent)
    QString disposition() const; // lower-case "attachment"/"inline" ("" when absent)
    QString contentId() const; // without angle brackets ("" when absent)
    QString transferEncoding() const; // lower-case ("" when absent)
    QList<Header> headers() const;
    QList<Defect> defects() const;
    QList<MimePart> children() const; // subparts of a multipart; the message of message/rfc822
    QStringList contentLanguage() const; // Content-Language tags (empty when absent)
    QString contentLocation() const; // Content-Location ("" when absent)
    // The body read as blocks of header fields, for the types whose body is one: the per-message
    // and per-recipient blocks of message/delivery-status (RFC 3464 §2.1), the header of the
    // external entity of message/external-body (RFC 2046 §5.2.3). Empty for other types.
    QList<QList<Header>> fieldBlocks() const;

    bool isMultipart() const;
    bool isMessage() const; // message/rfc822 (and message/global)
    bool isText() const; // text/*
    bool isAttachment() const; // what a mail client would list as an attachment

    // RFC 8621 §4.1.4 classification inside the message this part belongs to (an attached
    // message's parts are classified within that message). Inline images in a text body are in
    // textBody/htmlBody and in attachments; isAttachment() is "in attachments and in neither body".
    bool isInTextBody() const;
    bool isInHtmlBody() const;
    bool isInAttachments() const;
    // Set when the body could not be decoded cleanly: invalid base64/quoted-printable/uuencode or
    // a charset iconv does not know.
    bool hasEncodingProblem() const;

    // Body bytes after transfer decoding, before charset conversion. For a multipart: the length
    // of its raw body (there is no transfer decoding), and sha256() is empty (not computed, so
    // that the bytes of a large message are not hashed twice). For message/rfc822: the attached
    // message's bytes.
    qint64 size() const;
    QByteArray sha256() const; // lower-case hex of the same bytes
    // Byte ranges in the raw message. The part's range starts at its first header field (or at
    // the empty line standing for a missing header block) and ends before the line break that
    // belongs to the next boundary; the body range is what GMime decodes. They match mail-parser's
    // offsets on its RFC and third-party corpus; on broken input they are GMime's best reading
    // (a truncated part ends at the end of the input, a part GMime could not find has an empty
    // body).
    qint64 rawOffset() const;
    qint64 rawLength() const;
    qint64 bodyOffset() const; // the encoded body
    qint64 bodyLength() const;
    // The bytes the offsets above index. Null for the parts of the message itself: they index
    // MimeMessage::raw. A message/rfc822 part that is itself base64 or quoted-printable encoded
    // (RFC 2046 forbids that, mailers do it) is decoded and parsed on its own; the parts of that
    // attached message index the decoded attachment, returned here.
    QByteArray containerBytes() const;

    // Internal representation, shared by copies.
    struct Data;
    explicit MimePart(std::shared_ptr<const Data> data);

private:
    friend class MimeDecoder; // reads how the body is to be decoded
    std::shared_ptr<const Data> d;
};

// A decoded message: the tree plus the envelope-ish header facts a list view needs.
//
// Lifetime of `raw`: MimeDecoder::decode() shares the caller's QByteArray (no copy).
// MimeDecoder::decodeFile() maps the file read-only and makes `raw` a QByteArray::fromRawData()
// view on that mapping; the mapping is owned by the parts of the tree (every copy of `root` or of
// any MimePart of this message keeps it alive). Copies of `raw`, QByteArrayViews into it and
// pointers from constData() are therefore valid only while some copy of this MimeMessage or of
// one of its parts is alive. To keep the bytes longer, detach them:
// QByteArray(raw.constData(), raw.size()).
//
// Validity: isValid is false for empty input and for input that does not start with a header
// field (random bytes, a bare body); the tree is still built (a single text/plain root over all
// bytes, GMime's reading) and the reason is in defects (CRIT_EMPTY_MESSAGE / CRIT_NO_HEADERS).
// Malformed messages that do have headers are valid; what is wrong with them is in defects.
struct MimeMessage
{
    MimePart root;
    QByteArray raw; // the bytes it was decoded from (shared, not copied)
    QString subject; // decoded; "" when there is no Subject header or it is empty
    bool hasSubject = false; // whether there is a Subject header (empty or not)
    QStringList from; // "a@b" addresses (last header of that name; groups flattened)
    QStringList to;
    QStringList cc;
    QString messageId; // without <>
    QString date; // as written
    QList<Defect> defects; // all defects by offset; each is also on the part it concerns (or root)
    bool isValid = false;

    bool hasAttachments() const;
    QList<MimePart> allParts() const; // depth-first
};

} // namespace MtaHooks::Mime

Q_DECLARE_METATYPE(MtaHooks::Mime::MimeMessage)
