// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/capture/orderedjson_p.h"

#include <QCborArray>
#include <QCborMap>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace Mock::Detail {

namespace {

// Qt's own escaping (quotes, backslash, control characters; UTF-8 kept as is).
QByteArray quoted(const QString &text)
{
    const QByteArray array = QJsonDocument(QJsonArray {text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

bool isScalar(const QCborValue &value)
{
    return !value.isMap() && !value.isArray();
}

class Writer
{
public:
    explicit Writer(int indent)
        : m_indent(indent)
    { }

    void write(const QCborValue &value, int depth)
    {
        if (value.isMap())
            writeMap(value.toMap(), depth);
        else if (value.isArray())
            writeArray(value.toArray(), depth);
        else
            writeScalar(value);
    }

    QByteArray out;

private:
    void newline(int depth)
    {
        if (m_indent <= 0)
            return;
        out += '\n';
        out += QByteArray(depth * m_indent, ' ');
    }

    void writeMap(const QCborMap &map, int depth)
    {
        if (map.isEmpty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (!first)
                out += ',';
            first = false;
            newline(depth + 1);
            out += quoted(it.key().toString());
            out += m_indent > 0 ? ": " : ":";
            write(it.value(), depth + 1);
        }
        newline(depth);
        out += '}';
    }

    void writeArray(const QCborArray &array, int depth)
    {
        if (array.isEmpty()) {
            out += "[]";
            return;
        }
        const bool inline_ = std::all_of(array.cbegin(), array.cend(), isScalar);
        out += '[';
        bool first = true;
        for (const QCborValue &element : array) {
            if (!first)
                out += inline_ && m_indent > 0 ? ", " : ",";
            first = false;
            if (!inline_)
                newline(depth + 1);
            write(element, depth + 1);
        }
        if (!inline_)
            newline(depth);
        out += ']';
    }

    void writeScalar(const QCborValue &value)
    {
        if (value.isString()) {
            out += quoted(value.toString());
        } else if (value.isInteger()) {
            out += QByteArray::number(value.toInteger());
        } else if (value.isDouble() && std::isfinite(value.toDouble())) {
            out += QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest)
                       .toLatin1();
        } else if (value.isBool()) {
            out += value.toBool() ? "true" : "false";
        } else {
            out += "null";
        }
    }

    int m_indent = 2;
};

} // namespace

QByteArray orderedJson(const QCborValue &value, int indent)
{
    Writer writer(indent);
    writer.write(value, 0);
    if (indent > 0)
        writer.out += '\n';
    return writer.out;
}

} // namespace Mock::Detail
