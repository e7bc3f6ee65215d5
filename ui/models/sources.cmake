# SPDX-License-Identifier: GPL-3.0-or-later
list(APPEND HOOKSCOPE_UI_SOURCES
    models/sessionmodel.h models/sessionmodel.cpp models/sessionmodel_p.h
    models/sessionrowcache.cpp models/sessionrowformat.cpp models/sessionliveupdates.cpp
    models/helddeadlines.cpp models/sessionnewrows.cpp
    models/mimetreemodel.h models/mimetreemodel.cpp
    models/rulesmodel.h models/rulesmodel.cpp
    models/headersmodel.h models/headersmodel.cpp
    models/verdictstyle.h models/verdictstyle.cpp
    models/conformresultsmodel.h models/conformresultsmodel.cpp
)
