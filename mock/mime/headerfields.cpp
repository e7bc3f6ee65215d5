// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/headerfields_p.h" // first: it includes GMime, which goes before Qt

#include "mock/mime/mimedecoder.h"

#include <QTimeZone>

#include <algorithm>
#include <string>

namespace MtaHooks::Mime {

namespace {

QByteArray withoutTrailingLineBreak(const char *value)
{
    QByteArray bytes(value ? value : "");
    if (bytes.endsWith('\n'))
        bytes.chop(1);
    if (bytes.endsWith('\r'))
        bytes.chop(1);
    return bytes;
}

std::string unfolded(const QByteArray &raw)
{
    std::string out;
    out.reserve(size_t(raw.size()));
    for (char c : raw) {
        if (c != '\r' && c != '\n')
            out.push_back(c);
    }
    return out;
}

void appendHeaders(GMimeHeaderList *list, QList<Header> &headers)
{
    if (!list)
        return;
    const int count = g_mime_header_list_get_count(list);
    for (int i = 0; i < count; ++i) {
        GMimeHeader *header = g_mime_header_list_get_header_at(list, i);
        const char *name = g_mime_header_get_raw_name(header);
        if (!name)
            name = g_mime_header_get_name(header);
        Header h;
        h.name = QByteArray(name ? name : "");
        h.rawValue = withoutTrailingLineBreak(g_mime_header_get_raw_value(header));
        h.value = MimeDecoder::decodeText(h.rawValue);
        h.offset = g_mime_header_get_offset(header);
        headers.append(h);
    }
}

} // namespace

const Header *lastHeader(const QList<Header> &headers, QLatin1String name)
{
    for (auto it = headers.crbegin(); it != headers.crend(); ++it) {
        if (QLatin1String(it->name).compare(name, Qt::CaseInsensitive) == 0)
            return &*it;
    }
    return nullptr;
}

qint64 lastHeaderOffset(const QList<Header> &headers)
{
    qint64 offset = -1;
    for (const Header &h : headers)
        offset = std::max(offset, h.offset);
    return offset;
}

QString firstToken(const QString &value)
{
    const QString trimmed = value.trimmed();
    qsizetype end = 0;
    while (end < trimmed.size() && !trimmed.at(end).isSpace() && trimmed.at(end) != u';'
        && trimmed.at(end) != u'(')
        ++end;
    return trimmed.left(end).toLower();
}
std::pair<qint64, qint64> headerSpan(GMimeObject *object)
{
    qint64 first = -1;
    qint64 last = -1;
    GMimeHeaderList *list = object ? g_mime_object_get_header_list(object) : nullptr;
    const int count = list ? g_mime_header_list_get_count(list) : 0;
    for (int i = 0; i < count; ++i) {
        const qint64 offset = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));
        if (offset < 0)
            continue;
        first = first < 0 ? offset : std::min(first, offset);
        last = std::max(last, offset);
    }
    return {first, last};
}

QList<Header> headersOf(GMimeObject *object)
{
    QList<Header> headers;
    appendHeaders(g_mime_object_get_header_list(object), headers);
    return headers;
}

QList<Header> mergedMessageHeaders(GMimeMessage *message, GMimeObject *root)
{
    QList<Header> headers = headersOf(GMIME_OBJECT(message));
    if (root) {
        const QList<Header> partHeaders = headersOf(root);
        for (const Header &h : partHeaders) {
            const bool duplicate = std::any_of(headers.cbegin(), headers.cend(),
                [&h](const Header &o) { return h.offset >= 0 && o.offset == h.offset; });
            if (!duplicate)
                headers.append(h);
        }
    }
    std::stable_sort(headers.begin(), headers.end(), [](const Header &a, const Header &b) {
        return quint64(a.offset) < quint64(b.offset); // -1 sorts last
    });
    return headers;
}

QList<AddressGroup> MimeDecoder::parseAddressGroups(const QByteArray &rawValue)
{
    QList<AddressGroup> groups;
    const std::string text = unfolded(rawValue);
    GObjectPtr<InternetAddressList> list(internet_address_list_parse(looseOptions(), text.c_str()));
    if (!list)
        return groups;
    const auto mailbox = [](InternetAddress *address) {
        MailAddress m;
        m.name = fromUtf8(internet_address_get_name(address));
        m.email = fromUtf8(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)));
        return m;
    };
    const int count = internet_address_list_length(list.get());
    for (int i = 0; i < count; ++i) {
        InternetAddress *address = internet_address_list_get_address(list.get(), i);
        AddressGroup group;
        if (INTERNET_ADDRESS_IS_GROUP(address)) {
            group.isGroup = true;
            group.name = fromUtf8(internet_address_get_name(address));
            InternetAddressList *members
                = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address));
            const int memberCount = members ? internet_address_list_length(members) : 0;
            for (int j = 0; j < memberCount; ++j) {
                InternetAddress *member = internet_address_list_get_address(members, j);
                if (INTERNET_ADDRESS_IS_MAILBOX(member))
                    group.addresses.append(mailbox(member));
            }
        } else if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
            group.addresses.append(mailbox(address));
        } else {
            continue;
        }
        groups.append(group);
    }
    return groups;
}

QList<MailAddress> MimeDecoder::parseAddresses(const QByteArray &rawValue)
{
    QList<MailAddress> addresses;
    const QList<AddressGroup> groups = parseAddressGroups(rawValue);
    for (const AddressGroup &group : groups)
        addresses.append(group.addresses);
    return addresses;
}

QStringList MimeDecoder::parseMessageIds(const QByteArray &rawValue)
{
    QStringList ids;
    const std::string text = unfolded(rawValue);
    std::unique_ptr<GMimeReferences, ReferencesFree> references(
        g_mime_references_parse(looseOptions(), text.c_str()));
    if (!references)
        return ids;
    const int count = g_mime_references_length(references.get());
    for (int i = 0; i < count; ++i)
        ids.append(fromUtf8(g_mime_references_get_message_id(references.get(), i)));
    return ids;
}

QDateTime MimeDecoder::parseDate(const QByteArray &rawValue)
{
    ensureGMime();
    const std::string text = unfolded(rawValue);
    std::unique_ptr<GDateTime, DateTimeUnref> date(g_mime_utils_header_decode_date(text.c_str()));
    if (!date)
        return {};
    const qint64 seconds = g_date_time_to_unix(date.get());
    const int offset = int(g_date_time_get_utc_offset(date.get()) / G_TIME_SPAN_SECOND);
    return QDateTime::fromSecsSinceEpoch(seconds, QTimeZone(offset));
}

QString MimeDecoder::decodeText(const QByteArray &rawValue)
{
    const std::string text = unfolded(rawValue);
    GCharPtr decoded(g_mime_utils_header_decode_text(looseOptions(), text.c_str()));
    return fromUtf8(decoded.get()).trimmed();
}

} // namespace MtaHooks::Mime
