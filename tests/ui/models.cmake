# SPDX-License-Identifier: GPL-3.0-or-later
# The models of ui/models (tests/ui/CMakeLists.txt includes this file).
# sessionmodeltest.cpp: calls, cell reading and the per-test store shared by the session model
# suites (loading and paging; live updates; filtering).
hookscope_add_test(NAME tst_ui_sessionmodel
    SOURCES tst_ui_sessionmodel.cpp sessionmodeltest.h sessionmodeltest.cpp
    LIBRARIES hookscope_ui)
hookscope_add_test(NAME tst_ui_sessionmodel_live
    SOURCES tst_ui_sessionmodel_live.cpp sessionmodeltest.h sessionmodeltest.cpp
    LIBRARIES hookscope_ui)
hookscope_add_test(NAME tst_ui_sessionmodel_filter
    SOURCES tst_ui_sessionmodel_filter.cpp sessionmodeltest.h sessionmodeltest.cpp
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
hookscope_add_test(NAME tst_ui_conformresultsmodel
    SOURCES tst_ui_conformresultsmodel.cpp
    LIBRARIES hookscope_ui)
# The status bar's counts: followed in memory as calls arrive, equal to counting the store.
hookscope_add_test(NAME tst_ui_callcounts
    SOURCES tst_ui_callcounts.cpp sessionmodeltest.h sessionmodeltest.cpp
    LIBRARIES hookscope_ui)
