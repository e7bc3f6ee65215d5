# SPDX-License-Identifier: GPL-3.0-or-later
# The models of ui/models (tests/ui/CMakeLists.txt includes this file).
hookscope_add_test(NAME tst_ui_sessionmodel
    SOURCES tst_ui_sessionmodel.cpp
    LIBRARIES hookscope_ui)
hookscope_add_test(NAME tst_ui_mimetreemodel
    SOURCES tst_ui_mimetreemodel.cpp
    LIBRARIES hookscope_ui)
hookscope_add_test(NAME tst_ui_rulesmodel
    SOURCES tst_ui_rulesmodel.cpp
    LIBRARIES hookscope_ui)
hookscope_add_test(NAME tst_ui_headersmodel
    SOURCES tst_ui_headersmodel.cpp
    LIBRARIES hookscope_ui)
