// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/protocol/document.h"

#include <QByteArray>
#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QList>
#include <QString>
#include <QVarLengthArray>

#include <utility>

namespace Mock::Detail {

// JSON string contents for text: UTF-8, with the escapes JSON requires (lone surrogates become
// U+FFFD).
void appendUtf8Escaped(QByteArray &out, QStringView text);
// The drafts carry a body part's "blob" as a byte string in CBOR (base64 text in JSON).
QCborValue blobsAsBytes(const QCborValue &value);

// Requests are written through a Sink: straight into JSON text (the common case, and Stalwart's
// only format), or into a QCborValue tree for CBOR (its maps keep insertion order, a QJsonObject
// would sort them, and it writes definite lengths). Members that are JSON text already
// (Stalwart's message, the JMAP Email) go in verbatim.
class Sink
{
public:
    virtual ~Sink() = default;
    virtual void beginObject() = 0;
    virtual void endObject() = 0;
    virtual void beginArray() = 0;
    virtual void endArray() = 0;
    virtual void key(QStringView name) = 0;
    virtual void string(QStringView text) = 0;
    virtual void integer(qint64 value) = 0;
    virtual void null() = 0;
    virtual void bytes(const QByteArray &value) = 0; // base64 text in JSON
    // JSON text of a whole value; in CBOR, JMAP body parts' "blob" become byte strings.
    virtual void json(const QByteArray &text, bool blobsAsBytes) = 0;

    void key(const char *name) { key(QLatin1StringView(name)); }
    void key(QLatin1StringView name) { latin1Key(name); }
    void member(const char *name, QStringView text)
    {
        key(name);
        string(text);
    }
    void member(const char *name, const QString &text) { member(name, QStringView(text)); }
    void member(const char *name, qint64 value)
    {
        key(name);
        integer(value);
    }
    void member(const char *name, int value) { member(name, qint64(value)); }
    void nullMember(const char *name)
    {
        key(name);
        null();
    }
    void memberOrNull(const char *name, const QString &text)
    {
        key(name);
        if (text.isEmpty())
            null();
        else
            string(text);
    }

protected:
    virtual void latin1Key(QLatin1StringView name) = 0;
};

class JsonSink final : public Sink
{
public:
    using Sink::key;
    JsonSink() { m_out.reserve(1024); }
    QByteArray take() { return std::move(m_out); }

    void beginObject() override
    {
        separate();
        m_out += '{';
        m_first.append(true);
    }
    void endObject() override
    {
        m_out += '}';
        m_first.removeLast();
    }
    void beginArray() override
    {
        separate();
        m_out += '[';
        m_first.append(true);
    }
    void endArray() override
    {
        m_out += ']';
        m_first.removeLast();
    }
    void key(QStringView name) override
    {
        separate();
        m_out += '"';
        appendUtf8Escaped(m_out, name);
        m_out += "\":";
        m_afterKey = true;
    }
    void string(QStringView text) override
    {
        separate();
        m_out += '"';
        appendUtf8Escaped(m_out, text);
        m_out += '"';
    }
    void integer(qint64 value) override
    {
        separate();
        m_out += QByteArray::number(value);
    }
    void null() override
    {
        separate();
        m_out += "null";
    }
    void bytes(const QByteArray &value) override
    {
        separate();
        m_out += '"';
        m_out += value.toBase64();
        m_out += '"';
    }
    void json(const QByteArray &text, bool) override
    {
        separate();
        m_out += text;
    }

protected:
    void latin1Key(QLatin1StringView name) override
    {
        separate();
        m_out += '"';
        m_out += name; // our own member names: nothing to escape
        m_out += "\":";
        m_afterKey = true;
    }

private:
    // A comma before every value or key but the first of its container; none after a key.
    void separate()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (m_first.isEmpty())
            return;
        if (!m_first.last())
            m_out += ',';
        m_first.last() = false;
    }

    QByteArray m_out;
    QVarLengthArray<bool, 16> m_first;
    bool m_afterKey = false;
};

class CborSink final : public Sink
{
public:
    using Sink::key;
    QByteArray take() { return m_root.toCbor(); }

    void beginObject() override { m_stack.append({QCborValue(QCborMap()), takeKey()}); }
    void endObject() override { close(); }
    void beginArray() override { m_stack.append({QCborValue(QCborArray()), takeKey()}); }
    void endArray() override { close(); }
    void key(QStringView name) override { m_key = name.toString(); }
    void string(QStringView text) override { add(QCborValue(text.toString())); }
    void integer(qint64 value) override { add(QCborValue(value)); }
    void null() override { add(QCborValue(nullptr)); }
    void bytes(const QByteArray &value) override { add(QCborValue(value)); }
    void json(const QByteArray &text, bool blobs) override
    {
        const QCborValue value = QCborValue::fromCbor(MtaHooks::Document::fromJson(text).toCbor());
        add(blobs ? blobsAsBytes(value) : value);
    }

protected:
    void latin1Key(QLatin1StringView name) override { m_key = QString(name); }

private:
    struct Open
    {
        QCborValue container;
        QString key; // its key in the parent map
    };

    QString takeKey() { return std::exchange(m_key, QString()); }

    void add(const QCborValue &value)
    {
        if (m_stack.isEmpty()) {
            m_root = value;
            return;
        }
        QCborValue &parent = m_stack.last().container;
        if (parent.isMap()) {
            QCborMap map = parent.toMap();
            parent = QCborValue(); // drop the second reference: insert without a detach
            map.insert(takeKey(), value);
            parent = map;
        } else {
            QCborArray array = parent.toArray();
            parent = QCborValue();
            array.append(value);
            parent = array;
        }
    }

    void close()
    {
        Open open = m_stack.takeLast();
        m_key = open.key;
        add(open.container);
    }

    QList<Open> m_stack;
    QString m_key;
    QCborValue m_root;
};

} // namespace Mock::Detail
