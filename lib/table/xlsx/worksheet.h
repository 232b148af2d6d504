/* Reading one worksheet part, and laying its cells out as a table.
 * Internal to lib/table/xlsx. */
#ifndef TL_TABLE_XLSX_WORKSHEET_H
#define TL_TABLE_XLSX_WORKSHEET_H

#include "table/sheet.h"
#include "table/table.h"
#include "table/xlsx/workbook.h"

typedef struct xl_cell {
    uint32_t row, col; /* 0-based sheet coordinates */
    uint32_t format;   /* index into xl_styles.codes */
    uint32_t seq;      /* file order, for duplicates */
    uint8_t kind;      /* tl_sheet_kind */
    const char *raw;   /* the stored value (workbook or sheet arena) */
    uint32_t raw_len;
    double number;
} xl_cell;

typedef struct xl_sheet_data {
    xl_cell *cells; /* in (row, col) order, one per position */
    size_t n_cells, cap;
    bool unordered;
    tl_sheet_range *merged;
    size_t n_merged;
    bool has_declared;
    tl_sheet_range declared;
    tl_arena arena; /* raw values */
} xl_sheet_data;

typedef struct xl_sheet_ctx {
    const xl_strings *strings;
    const xl_styles *styles;
    bool date1904;
    size_t max_cells;       /* cells holding a value */
    size_t max_field_bytes;
} xl_sheet_ctx;

tabllm_status xl_sheet_read(xl_workbook *wb, const char *part, const xl_sheet_ctx *ctx,
                            xl_sheet_data *d);
void xl_sheet_data_free(xl_sheet_data *d);

/* Lays the cells out as a table over the used range (see xlsx.h). */
tabllm_status xl_sheet_to_table(const xl_workbook *wb, const char *sheet_name,
                                const xl_sheet_data *d, const xl_styles *styles,
                                const tabllm_table_read_params *params, tabllm_table **out);

#endif
