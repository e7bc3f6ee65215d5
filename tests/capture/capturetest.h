// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/capture/capturequery.h"
#include "mock/capture/exchange.h"

#include <QDateTime>
#include <QString>

// Shared by the capture tests: fixtures turned into exchanges, and field-by-field comparison.
namespace CaptureTest {

// An exchange with every field set to something distinctive, bodies binary and headers
// duplicated, so a round trip that drops or mixes up any field shows.
Mock::Exchange everyField();

// A hook call as the endpoint would capture it: the fixture (under tests/data/capture) as
// request body, decoded facts filled in, answered with the given action and reply code.
Mock::Exchange hookCall(const QString &fixture, const QDateTime &received,
    MtaHooks::Action action = MtaHooks::Action::Accept, int replyCode = 250);

// "" when equal, else the first differing field with both values. Header lists, bodies and the
// match trace are compared only when withBodies is set (lists and signals carry summaries).
QString difference(const Mock::Exchange &actual, const Mock::Exchange &expected, bool withBodies);

QDateTime at(qint64 msecs); // UTC time from ms since the epoch

// Eight calls that differ in exactly the ways the capture filters look at, each named by its note
// (plain, rcpt, reject, tempfail, held, data, problems, errors), in sessions s1, s2 and s3.
QList<Mock::Exchange> filterSet();
QStringList notesOf(const QList<Mock::Exchange> &exchanges);

Mock::CaptureTerm term(Mock::CaptureTerm::Field field, const QString &value, bool negated = false);
Mock::CaptureQuery query(std::initializer_list<Mock::CaptureTerm> terms);

} // namespace CaptureTest
