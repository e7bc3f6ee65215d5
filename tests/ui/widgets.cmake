# SPDX-License-Identifier: GPL-3.0-or-later
# The widgets of ui/widgets (tests/ui/CMakeLists.txt includes this file). The tests reach into
# the editor's QsciScintilla, so they link QScintilla themselves.
add_library(tst_ui_widgetdata STATIC tst_ui_widgetdata.h tst_ui_widgetdata.cpp)
target_link_libraries(tst_ui_widgetdata
    PUBLIC hookscope_mock hookscope_testsupport Qt6::Core
    PRIVATE hookscope_settings)

hookscope_add_test(NAME tst_ui_responseeditor
    SOURCES tst_ui_responseeditor.cpp
    LIBRARIES hookscope_ui QScintilla::QScintilla)
hookscope_add_test(NAME tst_ui_exchangedetail
    SOURCES tst_ui_exchangedetail.cpp
    LIBRARIES hookscope_ui tst_ui_widgetdata QScintilla::QScintilla)
# The rule editor's "Try on the selected call" and its script error marks (issue 13 §5).
hookscope_add_test(NAME tst_ui_scripttry
    SOURCES tst_ui_scripttry.cpp
    LIBRARIES hookscope_ui QScintilla::QScintilla)
hookscope_add_test(NAME tst_ui_mimeview
    SOURCES tst_ui_mimeview.cpp
    LIBRARIES hookscope_ui tst_ui_widgetdata)

# Not a test: grabs every tab of the detail view and the MIME view to PNG files for a human to
# look at. Build it on demand: ninja tst_ui_widgetshots && ./tests/ui/tst_ui_widgetshots /tmp/shots
add_executable(tst_ui_widgetshots EXCLUDE_FROM_ALL tst_ui_widgetshots.cpp)
target_link_libraries(tst_ui_widgetshots PRIVATE hookscope_settings hookscope_ui tst_ui_widgetdata)
