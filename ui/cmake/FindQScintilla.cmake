# SPDX-License-Identifier: GPL-3.0-or-later
# FindQScintilla.cmake: QScintilla for Qt 6 as the imported target QScintilla::QScintilla.
# Debian ships the library without CMake or pkg-config files, only a qmake .prf.
find_package(Qt6 REQUIRED COMPONENTS Widgets PrintSupport)

# Qsci/ sits next to QtCore/ in Qt's include directory: use Qt's include dirs as hints.
get_target_property(_qsci_qt_includes Qt6::Core INTERFACE_INCLUDE_DIRECTORIES)
set(_qsci_hints "")
foreach(_dir IN LISTS _qsci_qt_includes)
    cmake_path(GET _dir PARENT_PATH _parent)
    list(APPEND _qsci_hints "${_dir}" "${_parent}")
endforeach()

find_path(QScintilla_INCLUDE_DIR NAMES Qsci/qsciscintilla.h HINTS ${_qsci_hints} PATH_SUFFIXES qt6)
find_library(QScintilla_LIBRARY NAMES qscintilla2_qt6 qscintilla2-qt6)

if(QScintilla_INCLUDE_DIR AND EXISTS "${QScintilla_INCLUDE_DIR}/Qsci/qsciglobal.h")
    file(STRINGS "${QScintilla_INCLUDE_DIR}/Qsci/qsciglobal.h" _qsci_line
         REGEX "#define[ \t]+QSCINTILLA_VERSION_STR")
    string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" QScintilla_VERSION "${_qsci_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(QScintilla
    REQUIRED_VARS QScintilla_LIBRARY QScintilla_INCLUDE_DIR
    VERSION_VAR QScintilla_VERSION)

if(QScintilla_FOUND AND NOT TARGET QScintilla::QScintilla)
    add_library(QScintilla::QScintilla UNKNOWN IMPORTED GLOBAL)
    set_target_properties(QScintilla::QScintilla PROPERTIES
        IMPORTED_LOCATION "${QScintilla_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${QScintilla_INCLUDE_DIR}"
        INTERFACE_COMPILE_DEFINITIONS QSCINTILLA_DLL
        INTERFACE_LINK_LIBRARIES "Qt6::Widgets;Qt6::PrintSupport")
endif()
mark_as_advanced(QScintilla_INCLUDE_DIR QScintilla_LIBRARY)
