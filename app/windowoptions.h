// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/commandhelp.h"

// The window's options (`hookscope` with no command): read by app/windowentry.cpp, listed by
// `hookscope help` and the man page.
CommandHelp windowHelp();
