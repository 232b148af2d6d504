/* Excel number formats (ECMA-376 Part 1, 18.8.30-31): the built-in table,
 * parsing a format code, its category, and rendering values the way the
 * sheet shows them.
 *
 * Rendering follows Excel's rules: up to four sections (positive; negative;
 * zero; text) or [conditions]; digit placeholders 0 # ?; thousands
 * separators and scaling commas; % and E+/E- notation; fractions; quoted and
 * escaped literals, _x (a space) and *x (fill, dropped); [Red] colours and
 * [$€-407] currency/locale tags; dates and times (y m d h s, AM/PM, [h]
 * elapsed, fractional seconds) in the 1900 system (with Lotus's 29 February
 * 1900) or the 1904 system. Numbers round half away from zero on their
 * 15-significant-digit decimal value, as Excel does. Where the result depends
 * on the column width (General, fills) the width-independent text is used;
 * leading and trailing spaces (alignment padding from _) and ?) are trimmed.
 * docs/spreadsheets.md lists the remaining differences from Excel. */
#ifndef TL_TABLE_XLSX_NUMFMT_H
#define TL_TABLE_XLSX_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "table/sheet.h"

/* The format code of a built-in id (0-49 as ECMA-376 lists them for the
 * en-US locale); NULL for ids without one (which openpyxl and Excel show as
 * General). */
const char *tl_numfmt_builtin(uint32_t id);

/* The code a built-in id is displayed with. Excel shows a few built-ins
 * otherwise than ECMA-376 writes them: 14 and 22 follow the system's short
 * date (en-US: m/d/yyyy), 47 is mm:ss.0. LibreOffice does the same. */
const char *tl_numfmt_builtin_shown(uint32_t id);

typedef struct tl_numfmt tl_numfmt;

/* Compiles a format code. Never fails on syntax: anything unrecognised is
 * shown literally, as Excel shows unknown characters. NULL only when out of
 * memory (error set). */
tl_numfmt *tl_numfmt_compile(const char *code);
void tl_numfmt_free(tl_numfmt *f);

/* The category of number `v` under this format (General: INTEGER or
 * DECIMAL by the value). */
tl_sheet_category tl_numfmt_category(const tl_numfmt *f, double v);

/* True when the format shows numbers as dates or times. */
bool tl_numfmt_is_date(const tl_numfmt *f);

/* Appends number `v` as the format shows it. */
void tl_numfmt_render_number(const tl_numfmt *f, double v, bool date1904, tl_buf *out);
/* Appends text `s` as the format shows it (its text section, if any). */
void tl_numfmt_render_text(const tl_numfmt *f, const char *s, size_t len, tl_buf *out);

/* Excel's General format, width-independent: up to 15 significant digits,
 * scientific (1.23457E+11) from 12 integer digits or below 1E-9. */
void tl_numfmt_general(double v, tl_buf *out);

/* --- dates --------------------------------------------------------------- */

typedef struct tl_civil {
    int year, month, day; /* day 0 of January 1900 exists in the 1900 system */
    int weekday;          /* 0 = Sunday, as Excel counts (also before March 1900) */
} tl_civil;

/* The calendar date of whole-day serial `days` (>= 0). */
void tl_serial_to_civil(int64_t days, bool date1904, tl_civil *out);

/* The serial of an ISO 8601 date, date-time or time ("2024-01-31",
 * "2024-01-31T12:30:00.5Z", "12:30:00"); false when malformed or outside
 * Excel's range (1900-01-01 .. 9999-12-31, or 1904-01-01 on in 1904). */
bool tl_iso_to_serial(const char *s, size_t len, bool date1904, double *serial);

#endif
