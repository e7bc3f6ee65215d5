// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "mock/conform/conformcheck.h"

#include <optional>

namespace Conform {

// What a front end (the command line, the window) was given for a scanner run, as typed.
struct TargetSpec
{
    QString url;
    QString dialect = QStringLiteral("draft-01"); // draft-01, draft-02 or stalwart
    QString auth = QStringLiteral("none"); // none, bearer:TOKEN or basic:USER:PASS
};

// Which field a refused spec is refused for, so each front end can name it its own way (an
// option, a form row).
struct TargetError
{
    enum class Field { Url, Dialect, Auth };
    Field field = Field::Url;
    QString message;
};

// The checks both front ends make before anything is sent: the URL is http(s) with a host, the
// dialect is known, the auth spec parses. The rest of the Target keeps its defaults.
std::optional<Target> makeTarget(const TargetSpec &spec, TargetError *error);

} // namespace Conform
