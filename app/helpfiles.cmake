# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DHOOKSCOPE=binary -DMANPAGE=out/hookscope.1 -DCOMPLETION=out/completion -P helpfiles.cmake
# Runs `hookscope help --man` and `hookscope help --bash-completion`, and gzips the man page as
# Debian wants it (-9, no name or time stamp: the same bytes on every build).
# A sanitizer build's binary must not fail the build over Qt's process-lifetime allocations.
set(ENV{ASAN_OPTIONS} "detect_leaks=0")
foreach(job "--man;${MANPAGE}" "--bash-completion;${COMPLETION}")
    list(GET job 0 flag)
    list(GET job 1 out)
    execute_process(COMMAND ${HOOKSCOPE} help ${flag} OUTPUT_FILE ${out} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        file(REMOVE ${out})
        message(FATAL_ERROR "${HOOKSCOPE} help ${flag} failed: ${result}")
    endif()
endforeach()
find_program(GZIP gzip REQUIRED)
execute_process(COMMAND ${GZIP} -9nc ${MANPAGE} OUTPUT_FILE ${MANPAGE}.gz RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "gzip ${MANPAGE} failed: ${result}")
endif()
