/* The parts of a workbook the reader needs, found through the package's
 * relationships: _rels/.rels -> xl/workbook.xml -> its .rels -> sheets,
 * shared strings, styles. Internal to lib/table/xlsx. */
#ifndef TL_TABLE_XLSX_WORKBOOK_H
#define TL_TABLE_XLSX_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "table/xlsx/zip.h"

typedef enum xl_sheet_type { XL_WORKSHEET, XL_CHARTSHEET, XL_OTHER_SHEET } xl_sheet_type;

typedef struct xl_sheet_ref {
    const char *name;
    const char *part; /* NULL when its relationship is missing */
    xl_sheet_type type;
} xl_sheet_ref;

typedef struct xl_workbook {
    tl_zip *zip;
    tl_xlsx_limits limits;
    tl_arena arena;
    const char *workbook_part;
    const char *strings_part; /* NULL when absent */
    const char *styles_part;  /* NULL when absent */
    bool date1904;
    xl_sheet_ref *sheets;
    size_t n_sheets;
} xl_workbook;

tabllm_status xl_workbook_open(const void *data, size_t size, const tl_xlsx_limits *limits,
                               xl_workbook *wb);
void xl_workbook_close(xl_workbook *wb);

/* Shared strings: texts in the workbook arena. */
typedef struct xl_strings {
    const char **text;
    uint32_t *len;
    size_t n;
} xl_strings;

tabllm_status xl_strings_read(xl_workbook *wb, size_t max_field_bytes, xl_strings *out);
void xl_strings_free(xl_strings *s);

/* Styles: the number format code of each cell format (cellXfs index). */
typedef struct xl_styles {
    uint32_t *xf_format; /* cellXfs index -> index into codes */
    size_t n_xfs;
    const char **codes;  /* distinct codes used by the xfs, "General" first */
    const char **shown;  /* the code each is displayed with (see numfmt.h) */
    size_t n_codes;
} xl_styles;

tabllm_status xl_styles_read(xl_workbook *wb, xl_styles *out);
void xl_styles_free(xl_styles *s);

/* Text of an <si>/<is> element: the <t> of plain text and of rich-text
 * runs (<r>), not phonetic runs (<rPh>), with _xHHHH_ escapes decoded. The
 * reader must be on the element; it is left on its end tag. */
struct tl_xml;
struct tl_buf;
tabllm_status xl_read_rich_text(struct tl_xml *x, size_t max_bytes, struct tl_buf *out);

#endif
