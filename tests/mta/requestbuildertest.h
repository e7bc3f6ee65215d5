// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the request-builder suites (tst_mta_sessionrequests, _stalwartrequests,
// _draftrequests; header-only, like mtatest.h): options with a fixed timestamp, the request at a
// stage with the envelope the recording implies there, and the recordings the suites build from.

#include "mock/mta/requestbuilder.h"
#include "mock/protocol/codec.h"
#include "tests/mta/mtatest.h"

#include <QDateTime>
#include <QTimeZone>

namespace RequestBuilderTest {

using namespace Qt::StringLiterals;

inline const QDateTime fixedTime(QDate(2026, 11, 3), QTime(10, 0, 5), QTimeZone::utc());

inline Mock::RequestOptions options(
    MtaHooks::Dialect dialect, MtaHooks::Encoding encoding = MtaHooks::Encoding::Json)
{
    Mock::RequestOptions result;
    result.dialect = dialect;
    result.encoding = encoding;
    result.timestamp = fixedTime;
    return result;
}

inline int indexOfStage(const Mock::SessionRecording &session, MtaHooks::Stage stage, int nth = 0)
{
    for (int i = 0; i < session.stages.size(); ++i) {
        if (session.stages.at(i).stage == stage && nth-- == 0)
            return i;
    }
    return -1;
}

// The request at a stage, with the envelope the recording implies there.
inline MtaHooks::Document build(
    const Mock::SessionRecording &session, int index, const Mock::RequestOptions &options)
{
    return Mock::buildRequest(session, index, Mock::envelopeAtStage(session, index), options);
}

inline MtaHooks::HookRequest decoded(
    const Mock::SessionRecording &session, int index, const Mock::RequestOptions &options)
{
    const QByteArray body
        = Mock::buildRequestBody(session, index, Mock::envelopeAtStage(session, index), options);
    MtaHooks::DecodeOptions decode;
    decode.dialect = options.dialect;
    const MtaHooks::Encoding encoding = options.dialect == MtaHooks::Dialect::Stalwart
        ? MtaHooks::Encoding::Json
        : options.encoding;
    return MtaHooks::decodeRequest(body, MtaHooks::contentTypeFor(encoding), decode);
}

inline Mock::SessionRecording submission()
{
    return MtaTest::session(u"submission.json"_s);
}

inline Mock::SessionRecording inbound()
{
    return MtaTest::session(u"inbound-mx.json"_s);
}

inline Mock::SessionRecording multipartFromEml()
{
    return Mock::sessionFromMessage(MtaTest::fixture(u"multipart.eml"_s), u"oscar@example.org"_s,
        {u"walter@example.com"_s, u"wendy@example.com"_s});
}

} // namespace RequestBuilderTest
