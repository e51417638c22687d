/*
 * symtest_noname.c - a function whose DWARF has no name: a
 * DW_TAG_subprogram with its code range and nothing else, in a compile
 * unit written by hand below (this file is built -g0, so it is the only
 * DWARF here). Its symbol-table name, symtest_noname.part.0, must name it.
 *
 * x86-64 only (the body is x86 code); elsewhere the file is empty and the
 * test skips.
 */
#include "symtest_target.h"

#if defined(__x86_64__) && defined(__ELF__)
__asm__(
	"	.text\n"
	"	.type symtest_noname.part.0, @function\n"
	"symtest_noname.part.0:\n"
	"	nop\n"
	"	.globl symtest_noname_pc\n"
	"symtest_noname_pc:\n"
	"	nop\n"
	"	ret\n"
	".Lsymtest_noname_end:\n"
	"	.size symtest_noname.part.0, .-symtest_noname.part.0\n"
	/* Abbreviations: 1 the compile unit, 2 a nameless subprogram. */
	"	.section .debug_abbrev,\"\",@progbits\n"
	".Lsymtest_abbrev:\n"
	"	.uleb128 1, 0x11\n"        /* DW_TAG_compile_unit */
	"	.byte 1\n"                 /* has children */
	"	.uleb128 0x03, 0x08\n"     /* DW_AT_name, DW_FORM_string */
	"	.uleb128 0x11, 0x01\n"     /* DW_AT_low_pc, DW_FORM_addr */
	"	.uleb128 0x12, 0x07\n"     /* DW_AT_high_pc, DW_FORM_data8 */
	"	.uleb128 0, 0\n"
	"	.uleb128 2, 0x2e\n"        /* DW_TAG_subprogram */
	"	.byte 0\n"                 /* no children */
	"	.uleb128 0x11, 0x01\n"
	"	.uleb128 0x12, 0x07\n"
	"	.uleb128 0, 0\n"
	"	.uleb128 0\n"
	/* The compile unit (DWARF 4). */
	"	.section .debug_info,\"\",@progbits\n"
	".Lsymtest_cu:\n"
	"	.long .Lsymtest_cu_end - .Lsymtest_cu - 4\n"
	"	.value 4\n"
	"	.long .Lsymtest_abbrev\n"
	"	.byte 8\n"
	"	.uleb128 1\n"
	"	.asciz \"symtest_noname.s\"\n"
	"	.quad symtest_noname.part.0\n"
	"	.quad .Lsymtest_noname_end - symtest_noname.part.0\n"
	"	.uleb128 2\n"
	"	.quad symtest_noname.part.0\n"
	"	.quad .Lsymtest_noname_end - symtest_noname.part.0\n"
	"	.byte 0\n"                 /* end of the unit's children */
	".Lsymtest_cu_end:\n"
	/* Its address range, for libdw's address-to-unit lookup. */
	"	.section .debug_aranges,\"\",@progbits\n"
	"	.long .Lsymtest_ar_end - .Lsymtest_ar\n"
	".Lsymtest_ar:\n"
	"	.value 2\n"
	"	.long .Lsymtest_cu\n"
	"	.byte 8, 0\n"
	"	.long 0\n"                 /* pad the header to 16 bytes */
	"	.quad symtest_noname.part.0\n"
	"	.quad .Lsymtest_noname_end - symtest_noname.part.0\n"
	"	.quad 0, 0\n"
	".Lsymtest_ar_end:\n"
	"	.text\n");
#endif
