// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>
#include <cstdio>

// Shared by every fuzz target: the libFuzzer entry point, invariant checks that stop the run (so
// libFuzzer saves the input) and a quiet Qt.

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// A violated invariant is a crash, also in the g++ replay build where no sanitizer watches.
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (false)

namespace Fuzz {

// Once per process: a core application (plugins, SQL drivers, locale) and no log output, which
// would cost more than the parsing it reports on.
inline void setUp()
{
    static const bool done = [] {
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
        static int argc = 1;
        static char name[] = "fuzz";
        static char *argv[] = {name, nullptr};
        new QCoreApplication(argc, argv); // lives until exit: Qt objects may outlive any scope
        return true;
    }();
    Q_UNUSED(done);
}

// Reads the input front to back: small choices first, the rest as the payload.
class Input
{
public:
    Input(const uint8_t *data, size_t size)
        : m_data(reinterpret_cast<const char *>(data))
        , m_size(qsizetype(size))
    { }

    quint8 byte() { return m_pos < m_size ? quint8(m_data[m_pos++]) : 0; }
    QByteArrayView rest() const { return QByteArrayView(m_data + m_pos, m_size - m_pos); }
    // An owning copy whose allocation ends where the input does, so that over-reads are caught.
    QByteArray restCopy() const { return rest().toByteArray(); }

private:
    const char *m_data;
    qsizetype m_size;
    qsizetype m_pos = 0;
};

} // namespace Fuzz
