# SPDX-License-Identifier: GPL-3.0-or-later
list(APPEND HOOKSCOPE_UI_SOURCES
    widgets/responseeditor.h widgets/responseeditor.cpp
    widgets/exchangedetail.h widgets/exchangedetail.cpp
    widgets/mimeview.h widgets/mimeview.cpp
)
