# SPDX-License-Identifier: GPL-3.0-or-later
list(APPEND HOOKSCOPE_UI_SOURCES
    widgets/responseeditor.h widgets/responseeditor.cpp widgets/responseeditor_p.h
    widgets/responseeditormarks.cpp
    widgets/jsonlocator.h widgets/jsonlocator.cpp
    widgets/linediff.h widgets/linediff.cpp
    widgets/hexdump.h widgets/hexdump.cpp
    widgets/exchangeanalysis.h widgets/exchangeanalysis.cpp
    widgets/exchangedetail.h widgets/exchangedetail.cpp
    widgets/overviewpage.h widgets/overviewpage.cpp
    widgets/requestpage.h widgets/requestpage.cpp
    widgets/answerpage.h widgets/answerpage.cpp
    widgets/problemspage.h widgets/problemspage.cpp
    widgets/mimeview.h widgets/mimeview.cpp
    widgets/mimepartcontent.h widgets/mimepartcontent.cpp
    widgets/safehtmlview.h widgets/safehtmlview.cpp
    widgets/attachmentfiles.h widgets/attachmentfiles.cpp
)
