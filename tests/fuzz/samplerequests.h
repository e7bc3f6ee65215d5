// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tests/fuzz/fuzzsupport.h"

#include "mock/protocol/codec.h"

#include <vector>

namespace Fuzz {

// Small requests of each dialect, written here (not read from ../shared: the fuzzer must run
// anywhere). The draft ones are answered in draft-01 or draft-02 by the answer's shape.
inline constexpr const char *stalwartData
    = R"({"context":{"stage":"data","client":{"ip":"203.0.113.7",
"port":50412,"ptr":"mx.example.org","helo":"mx.example.org"},"server":{"name":"mx","port":25,
"ip":"198.51.100.2"},"queue":{"id":"q1"},"protocol":{"version":1}},"envelope":{"from":{
"address":"alice@example.org"},"to":[{"address":"bob@example.com"},{"address":
"carol@example.com"}]},"message":{"headers":[["From"," Alice <alice@example.org>\r\n"],["To",
" bob@example.com\r\n"],["Subject"," Lunch\r\n"],["X-Mailer"," m\r\n"]],"contents":
"See you at noon.\r\n","size":96}})";

inline constexpr const char *stalwartRcpt
    = R"({"context":{"stage":"rcpt","client":{"ip":"203.0.113.7",
"port":50412,"helo":"mx.example.org"},"protocol":{"version":1}},"envelope":{"from":{"address":
"alice@example.org"},"to":[{"address":"bob@example.com"}]}})";

inline constexpr const char *draftData = R"({"stage":"data","action":"accept","timestamp":
"2026-10-02T09:15:02Z","response":{"code":250,"enhancedCode":"2.0.0","message":"queued"},
"protocol":{"version":"1.0"},"queue":{"id":"q2"},"client":{"ip":"203.0.113.7","port":50412,
"ehlo":"mx.example.org"},"envelope":{"from":{"address":"alice@example.org","parameters":{"SIZE":
"262"}},"to":[{"address":"bob@example.com","parameters":{}},{"address":"carol@example.com",
"parameters":{}}]},"message":{"size":80,"subject":"Lunch","headers":[{"name":"From","value":
" Alice <alice@example.org>"},{"name":"Subject","value":" Lunch"}]},"rawMessage":
"RnJvbTogQWxpY2UgPGFsaWNlQGV4YW1wbGUub3JnPg0KU3ViamVjdDogTHVuY2gNCg0KU2VlIHlvdSBhdCBub29uLg0K"})";

inline constexpr const char *draftRcpt
    = R"({"stage":"rcpt","action":"accept","response":{"code":250,
"enhancedCode":"2.1.5","message":"ok"},"protocol":{"version":"1.0"},"client":{"ip":"203.0.113.7"
},"envelope":{"from":{"address":null},"to":[{"address":"bob@example.com"}]}})";

inline constexpr const char *draftDelivery = R"({"stage":"delivery","action":"continue","protocol":{
"version":"1.0"},"queue":{"id":"q3"},"envelope":{"from":{"address":"alice@example.org"},"to":[{
"address":"bob@example.com","status":"failed","attempt":2}]},"delivery":{"status":"failed"}})";

inline const std::vector<MtaHooks::HookRequest> &sampleRequests()
{
    static const std::vector<MtaHooks::HookRequest> decoded = [] {
        std::vector<MtaHooks::HookRequest> all;
        for (const char *json : {stalwartData, stalwartRcpt, draftData, draftRcpt, draftDelivery})
            all.push_back(MtaHooks::decodeRequest(QByteArrayView(json), "application/json"));
        // The same draft request, read as a draft-02 MTA would.
        MtaHooks::DecodeOptions draft02;
        draft02.dialect = MtaHooks::Dialect::Draft02;
        all.push_back(
            MtaHooks::decodeRequest(QByteArrayView(draftData), "application/json", draft02));
        for (const MtaHooks::HookRequest &request : all)
            FUZZ_CHECK(request.isDecoded());
        return all;
    }();
    return decoded;
}

} // namespace Fuzz
