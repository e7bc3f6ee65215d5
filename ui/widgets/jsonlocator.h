// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringView>

// Where a JSON value sits in a text: byte offsets into the UTF-8 bytes (which are QScintilla's
// positions). The end offsets are exclusive.
struct JsonSpan
{
    qsizetype keyStart = -1; // the member name with its quotes; -1 for array elements and the root
    qsizetype keyEnd = -1;
    qsizetype valueStart = -1;
    qsizetype valueEnd = -1;
    bool isContainer = false; // object or array

    bool isValid() const { return valueStart >= 0; }
    bool hasKey() const { return keyStart >= 0; }
};

// Maps RFC 6901 pointers to text positions and back by tokenizing the text as it is displayed
// (no tree is built and nothing is kept: a 50 MB body with a base64 rawMessage is scanned once per
// query). Tolerant: on malformed JSON the walk stops and whatever lies before the error is still
// found. The bytes must outlive the locator.
class JsonLocator
{
public:
    explicit JsonLocator(QByteArrayView utf8);

    // The value at the pointer, or an invalid span when absent.
    JsonSpan locate(QStringView pointer) const;
    // The value at the pointer or, when absent, at its closest existing ancestor ("" = root);
    // *foundPointer says which one was found.
    JsonSpan locateNearest(QStringView pointer, QString *foundPointer = nullptr) const;
    // The pointer of the innermost value (or member name) containing the byte offset; "" for the
    // root, a null QString when the offset lies outside any value or the text is not JSON.
    QString pointerAt(qsizetype offset) const;

private:
    QByteArrayView m_text;
};
