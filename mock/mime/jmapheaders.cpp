// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/jmapheaders_p.h"

#include <QHash>

#include <utility>

namespace MtaHooks::Mime {

namespace {

QString utcDate(const QDateTime &date)
{
    return date.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"));
}

Json addressJson(const MailAddress &address)
{
    Json j = Json::object();
    j["name"] = stringOrNull(address.name);
    j["email"] = str(address.email);
    return j;
}

// RFC 8621 §4.1.2.4: consecutive addresses outside any group form a group with a null name.
Json groupedAddressesJson(const QList<AddressGroup> &groups)
{
    Json list = Json::array();
    Json pending;
    for (const AddressGroup &g : groups) {
        if (g.isGroup) {
            if (!pending.is_null())
                list.push_back(std::exchange(pending, Json()));
            Json group = Json::object();
            group["name"] = stringOrNull(g.name);
            group["addresses"] = addressesJson(g.addresses);
            list.push_back(group);
        } else {
            if (pending.is_null()) {
                pending = Json::object();
                pending["name"] = nullptr;
                pending["addresses"] = Json::array();
            }
            for (const MailAddress &a : g.addresses)
                pending["addresses"].push_back(addressJson(a));
        }
    }
    if (!pending.is_null())
        list.push_back(pending);
    return list;
}

// RFC 8621 §4.1.2.7: the URLs in angle brackets, comments dropped.
Json urlsJson(const QByteArray &raw)
{
    Json list = Json::array();
    qsizetype pos = 0;
    int commentDepth = 0;
    while (pos < raw.size()) {
        const char c = raw.at(pos);
        if (c == '(') {
            ++commentDepth;
        } else if (c == ')' && commentDepth > 0) {
            --commentDepth;
        } else if (c == '<' && commentDepth == 0) {
            const qsizetype end = raw.indexOf('>', pos + 1);
            if (end < 0)
                break;
            QByteArray url = raw.mid(pos + 1, end - pos - 1);
            url.replace("\r", "").replace("\n", "").replace(" ", "").replace("\t", "");
            list.push_back(str(url));
            pos = end;
        }
        ++pos;
    }
    return list;
}

// The spelling Stalwart (mail-parser) gives the header names it knows.
QByteArray canonicalHeaderName(const QByteArray &name)
{
    static const QHash<QByteArray, QByteArray> known = [] {
        static constexpr const char *names[] = {"Subject", "From", "To", "Cc", "Date", "Bcc",
            "Reply-To", "Sender", "Comments", "In-Reply-To", "Keywords", "Received", "Message-ID",
            "References", "Return-Path", "MIME-Version", "Content-Description", "Content-ID",
            "Content-Language", "Content-Location", "Content-Transfer-Encoding", "Content-Type",
            "Content-Disposition", "Resent-To", "Resent-From", "Resent-Bcc", "Resent-Cc",
            "Resent-Sender", "Resent-Date", "Resent-Message-ID", "List-Archive", "List-Help",
            "List-ID", "List-Owner", "List-Post", "List-Subscribe", "List-Unsubscribe",
            "DKIM-Signature", "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"};
        QHash<QByteArray, QByteArray> map;
        for (const char *n : names)
            map.insert(QByteArray(n).toLower(), QByteArray(n));
        return map;
    }();
    return known.value(name.toLower(), name);
}

QByteArray withoutTrailingWhiteSpace(QByteArray value)
{
    while (!value.isEmpty() && (value.endsWith(' ') || value.endsWith('\t')))
        value.chop(1);
    return value;
}

} // namespace

QList<const Header *> headersNamed(const QList<Header> &headers, const QString &name)
{
    QList<const Header *> found;
    for (const Header &h : headers) {
        if (QString::fromLatin1(h.name).compare(name, Qt::CaseInsensitive) == 0)
            found.append(&h);
    }
    return found;
}

Json addressesJson(const QList<MailAddress> &addresses)
{
    Json list = Json::array();
    for (const MailAddress &a : addresses)
        list.push_back(addressJson(a));
    return list;
}

Json headerFormValue(const Header &header, const QString &form)
{
    if (form.isEmpty() || form == QLatin1String("Raw"))
        return str(header.rawValue);
    if (form == QLatin1String("Text"))
        return str(MimeDecoder::decodeText(header.rawValue));
    if (form == QLatin1String("Addresses"))
        return addressesJson(MimeDecoder::parseAddresses(header.rawValue));
    if (form == QLatin1String("GroupedAddresses"))
        return groupedAddressesJson(MimeDecoder::parseAddressGroups(header.rawValue));
    if (form == QLatin1String("MessageIds")) {
        const QStringList ids = MimeDecoder::parseMessageIds(header.rawValue);
        if (ids.isEmpty())
            return nullptr;
        Json list = Json::array();
        for (const QString &id : ids)
            list.push_back(str(id));
        return list;
    }
    if (form == QLatin1String("Date")) {
        const QDateTime date = MimeDecoder::parseDate(header.rawValue);
        return date.isValid() ? Json(str(utcDate(date))) : Json(nullptr);
    }
    if (form == QLatin1String("URLs"))
        return urlsJson(header.rawValue);
    return nullptr;
}

std::optional<Json> headerProperty(const QList<Header> &headers, const QString &property)
{
    QStringList pieces = property.split(u':');
    if (pieces.size() < 2 || pieces.size() > 4 || pieces.first() != QLatin1String("header"))
        return std::nullopt;
    bool all = false;
    if (pieces.last() == QLatin1String("all")) {
        all = true;
        pieces.removeLast();
    }
    QString form;
    if (pieces.size() == 3) {
        if (!pieces.at(2).startsWith(QLatin1String("as")))
            return std::nullopt;
        form = pieces.at(2).mid(2);
    }
    if (pieces.size() < 2 || pieces.size() > 3)
        return std::nullopt;
    const QList<const Header *> found = headersNamed(headers, pieces.at(1));
    if (all) {
        Json list = Json::array();
        for (const Header *h : found)
            list.push_back(headerFormValue(*h, form));
        return list;
    }
    if (found.isEmpty())
        return Json(nullptr);
    return headerFormValue(*found.last(), form);
}

Json headersJson(const QList<Header> &headers, bool stalwart)
{
    Json list = Json::array();
    for (const Header &h : headers) {
        Json entry = Json::object();
        entry["name"] = str(stalwart ? canonicalHeaderName(h.name) : h.name);
        entry["value"] = str(stalwart ? withoutTrailingWhiteSpace(h.rawValue) : h.rawValue);
        list.push_back(entry);
    }
    return list;
}

} // namespace MtaHooks::Mime
