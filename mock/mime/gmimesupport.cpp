// SPDX-License-Identifier: GPL-3.0-or-later
#include "mock/mime/gmimesupport_p.h"

#include <mutex>

namespace MtaHooks::Mime {

void ensureGMime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

GMimeParserOptions *newLooseOptions()
{
    GMimeParserOptions *options = g_mime_parser_options_new();
    // Real mail breaks the rules; an inspector wants GMime's best reading, not a refusal.
    g_mime_parser_options_set_rfc2047_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(options, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(options, TRUE);
    return options;
}

GMimeParserOptions *looseOptions()
{
    ensureGMime();
    static GMimeParserOptions *const options = newLooseOptions();
    return options;
}

QString fromUtf8(const char *text)
{
    return text ? QString::fromUtf8(text) : QString();
}

} // namespace MtaHooks::Mime
