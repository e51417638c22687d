# embed.cmake - turns a file into a C array, at build time, with CMake only:
#   cmake -DIN=flame.html -DOUT=flame_html.c -DNAME=cprof__flame_html
#         -DHEADER=cli/flame_html.h -P embed.cmake
# defines  const unsigned char NAME[]  (the bytes plus a NUL) and
#          const size_t NAME_len       (the byte count, without the NUL).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR len "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REPEAT "0x..," 16 row)
string(REGEX REPLACE "(${row})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
"/* Generated from ${IN} by embed.cmake; do not edit. */
#include \"${HEADER}\"

const unsigned char ${NAME}[] = {
${bytes}0x00
};
const size_t ${NAME}_len = ${len};
")
# Touch OUT only when it changed, so an unchanged page rebuilds nothing.
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different
    "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
