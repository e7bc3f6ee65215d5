// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// GMime (and with it GLib/GIO) must be included before any Qt header: gio declares a struct
// member named "signals", which Qt's keyword macro would turn into "public" (docs/QT-PITFALLS.md
// §2). GMime is included here only, and this header only by the .cpp and _p.h files of mock/mime,
// always first; GLib types do not leave them (the public headers never see GMime).
#include <gmime/gmime.h>

#include <QString>

#include <memory>

namespace MtaHooks::Mime {

// ---------------------------------------------------------------------------------------------
// GLib/GMime ownership helpers

struct GObjectUnref
{
    void operator()(gpointer object) const
    {
        if (object)
            g_object_unref(object);
    }
};
template<typename T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree
{
    void operator()(gpointer memory) const { g_free(memory); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

struct ParserOptionsFree
{
    void operator()(GMimeParserOptions *options) const { g_mime_parser_options_free(options); }
};
using ParserOptionsPtr = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct DateTimeUnref
{
    void operator()(GDateTime *dateTime) const { g_date_time_unref(dateTime); }
};

struct ReferencesFree
{
    void operator()(GMimeReferences *references) const { g_mime_references_free(references); }
};

// g_mime_init(), once per process, before any other GMime call.
void ensureGMime();

// Parser options that accept what real mail does wrong; the caller frees them.
GMimeParserOptions *newLooseOptions();

// Shared, never modified after creation: used by the header-value parsers.
GMimeParserOptions *looseOptions();

// A null text is an empty (null) string.
QString fromUtf8(const char *text);

// A GMime memory stream over bytes owned elsewhere (the caller's QByteArray or a file mapping):
// GMime's mem stream would copy the buffer, and its parser's persist mode then references the
// copy. Here the stream borrows the bytes: GMime neither copies nor frees them.
class BorrowedStream
{
public:
    BorrowedStream(const char *data, qint64 size)
        : m_borrowed(size > 0)
    {
        m_array = m_borrowed ? g_byte_array_new_take(
                      reinterpret_cast<guint8 *>(const_cast<char *>(data)), gsize(size))
                             : g_byte_array_new();
        m_stream = g_mime_stream_mem_new_with_byte_array(m_array);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(m_stream), FALSE);
    }
    ~BorrowedStream()
    {
        g_object_unref(m_stream);
        // FALSE: free the GByteArray wrapper only; its data belongs to someone else.
        g_byte_array_free(m_array, m_borrowed ? FALSE : TRUE);
    }
    BorrowedStream(const BorrowedStream &) = delete;
    BorrowedStream &operator=(const BorrowedStream &) = delete;

    GMimeStream *stream() const { return m_stream; }

private:
    bool m_borrowed;
    GByteArray *m_array = nullptr;
    GMimeStream *m_stream = nullptr;
};

} // namespace MtaHooks::Mime
