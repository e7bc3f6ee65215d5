// SPDX-License-Identifier: GPL-3.0-or-later
// How the capture store encodes the list columns of an exchange: HTTP headers as CBOR, problems
// and string lists as JSON, each the bytes Qt's generic writers produce, read back by Qt's readers.
#include "mock/capture/capturerows_p.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace Mock::Detail {

namespace {

// A CBOR head (RFC 8949 §3): the major type and the shortest encoding of the argument, as
// QCborValue::toCbor() writes it.
void appendCborHead(QByteArray &out, quint8 major, quint64 argument)
{
    const auto type = char(major << 5);
    if (argument < 24) {
        out.append(char(type | char(argument)));
        return;
    }
    int bytes = 8;
    char size = 27;
    if (argument <= 0xff) {
        bytes = 1;
        size = 24;
    } else if (argument <= 0xffff) {
        bytes = 2;
        size = 25;
    } else if (argument <= 0xffffffffU) {
        bytes = 4;
        size = 26;
    }
    out.append(char(type | size));
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
        out.append(char((argument >> shift) & 0xff));
}

constexpr quint8 CborByteString = 2;
constexpr quint8 CborArray = 4;

} // namespace

// Written by hand rather than through QCborArray: this runs twice for every stored call, and the
// generic container cost more than the store's insert (issue 12). The bytes are the same.
QByteArray encodeHeaders(const HttpHeaders &headers)
{
    if (headers.isEmpty())
        return {};
    qsizetype size = 9;
    for (const auto &[name, value] : headers)
        size += name.size() + value.size() + 19;
    QByteArray out;
    out.reserve(size);
    appendCborHead(out, CborArray, quint64(headers.size()));
    for (const auto &[name, value] : headers) {
        appendCborHead(out, CborArray, 2);
        appendCborHead(out, CborByteString, quint64(name.size()));
        out.append(name);
        appendCborHead(out, CborByteString, quint64(value.size()));
        out.append(value);
    }
    return out;
}

HttpHeaders decodeHeaders(const QByteArray &blob)
{
    HttpHeaders headers;
    if (blob.isEmpty())
        return headers;
    const QCborArray array = QCborValue::fromCbor(blob).toArray();
    headers.reserve(array.size());
    for (const QCborValue &entry : array) {
        const QCborArray pair = entry.toArray();
        headers.append({pair.at(0).toByteArray(), pair.at(1).toByteArray()});
    }
    return headers;
}

QCborArray problemsToCbor(const MtaHooks::Problems &problems)
{
    QCborArray array;
    for (const MtaHooks::Problem &problem : problems) {
        QCborMap map {{u"pointer"_s, problem.pointer},
            {u"severity"_s, MtaHooks::severityName(problem.severity)},
            {u"message"_s, problem.message}};
        if (problem.origin != MtaHooks::ProblemOrigin::Unstated)
            map.insert(u"origin"_s, MtaHooks::originName(problem.origin));
        array.append(map);
    }
    return array;
}

MtaHooks::Problems problemsFromJson(const QJsonArray &array)
{
    MtaHooks::Problems problems;
    problems.reserve(array.size());
    for (const QJsonValue &value : array) {
        const QJsonObject object = value.toObject();
        MtaHooks::Problem problem;
        problem.pointer = object.value(u"pointer"_s).toString();
        problem.severity = MtaHooks::severityFromName(object.value(u"severity"_s).toString())
                               .value_or(MtaHooks::Severity::Error);
        problem.message = object.value(u"message"_s).toString();
        const auto origin = MtaHooks::originFromName(object.value(u"origin"_s).toString());
        if (origin)
            problem.origin = *origin;
        else if (problem.message.startsWith(u"answer: "_s)
            || problem.message.startsWith(u"answer /"_s))
            problem.origin = MtaHooks::ProblemOrigin::Answer; // written before origins were kept
        problems.append(problem);
    }
    return problems;
}

QString encodeProblems(const MtaHooks::Problems &problems)
{
    if (problems.isEmpty())
        return u"[]"_s;
    return QString::fromUtf8(
        QJsonDocument(problemsToCbor(problems).toJsonArray()).toJson(QJsonDocument::Compact));
}

MtaHooks::Problems decodeProblems(const QString &json)
{
    return problemsFromJson(QJsonDocument::fromJson(json.toUtf8()).array());
}

// By hand rather than through QJsonDocument: every stored call writes two of these (issue 12).
// Escapes what JSON requires (RFC 8259 §7), as QJsonDocument's compact form does.
QByteArray encodeStringListUtf8(const QStringList &list)
{
    if (list.isEmpty())
        return QByteArrayLiteral("[]");
    QByteArray out;
    out.reserve(2 + list.size() * 3
        + std::accumulate(list.cbegin(), list.cend(), qsizetype(0),
            [](qsizetype sum, const QString &s) { return sum + s.size(); }));
    out.append('[');
    for (const QString &item : list) {
        if (out.size() > 1)
            out.append(',');
        out.append('"');
        const QByteArray utf8 = item.toUtf8();
        for (const char c : utf8) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out.append('\\');
                out.append(c);
            } else if (u < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                switch (c) {
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    out.append("\\u00");
                    out.append(hex[u >> 4]);
                    out.append(hex[u & 0xf]);
                }
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
    out.append(']');
    return out;
}

QString encodeStringList(const QStringList &list)
{
    return QString::fromUtf8(encodeStringListUtf8(list));
}

QStringList decodeStringList(const QString &json)
{
    QStringList list;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    list.reserve(array.size());
    for (const QJsonValue &value : array)
        list.append(value.toString());
    return list;
}

} // namespace Mock::Detail
