// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Helpers shared by the rulebook suites (tst_scanner_rulematch, _answers, _rulesfile;
// header-only, like scannertest.h): a rule and the answers that need more than a preset, each in
// one line.

#include "mock/scanner/rulebook.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace RulebookTest {

inline Mock::Rule rule(const QString &name, const std::function<void(Mock::RuleMatch &)> &when,
    Mock::Answer answer = Mock::Answer::fromPreset(MtaHooks::Preset::Reject))
{
    Mock::Rule r;
    r.name = name;
    when(r.when);
    r.answer = answer;
    return r;
}

inline Mock::Answer holdAnswer()
{
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Hold;
    return answer;
}

inline Mock::Answer bodyAnswer(
    const QByteArray &body, const QByteArray &contentType = {}, int status = 200)
{
    Mock::Answer answer;
    answer.kind = Mock::Answer::Kind::Body;
    answer.body = body;
    answer.contentType = contentType;
    answer.httpStatus = status;
    return answer;
}

} // namespace RulebookTest
