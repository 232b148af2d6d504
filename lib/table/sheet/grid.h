/* The SpreadsheetLLM encodings see a table as a grid of addressed cells.
 *
 * A table read from XLSX carries its addresses, number formats and merged
 * ranges (table/sheet.h). Any other table (CSV, HTML, JSON, built in code)
 * gets the addresses it would have if pasted into a sheet at A1: the header
 * in row 1, data row i in row i+2, column j in column j+1; and formats
 * inferred from its cells (typed numbers, "12%", "$1,200", ISO dates,
 * times, e-mail addresses). Internal to lib/table/sheet. */
#ifndef TL_TABLE_SHEET_GRID_H
#define TL_TABLE_SHEET_GRID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table/encode.h"
#include "table/sheet.h"

typedef struct tl_grid_cell {
    const char *text;   /* as shown (or the raw value with TABLLM_CELLS_VERBATIM) */
    size_t len;
    const char *format; /* the number format code; NULL for General or unknown */
    uint8_t category;   /* tl_sheet_category; TL_CAT_EMPTY for an empty cell */
    bool covered;       /* inside a merged range, not its top-left */
    int32_t merge;      /* top-left of merged range #merge of the sheet, else -1 */
} tl_grid_cell;

typedef struct tl_grid {
    size_t n_rows, n_cols;
    uint32_t *row_addr;   /* 0-based sheet row of each grid row */
    uint32_t *col_addr;   /* 0-based sheet column of each grid column */
    tl_grid_cell *cells;  /* n_rows * n_cols */
    const tl_sheet_range *merged; /* the sheet's merged ranges (sheet coordinates) */
} tl_grid;

static inline const tl_grid_cell *tl_grid_at(const tl_grid *g, size_t r, size_t c)
{
    return &g->cells[r * g->n_cols + c];
}

/* Builds the grid of a view: the header row first (unless the table has
 * none or TABLLM_ENCODE_NO_HEADER is set), then the view's rows, over the
 * view's columns. Texts point into the table. */
tabllm_status tl_grid_from_view(const tl_view *view, const tabllm_encode_params *params,
                                tl_grid *out);
void tl_grid_free(tl_grid *g);

/* The category of a cell of a table that is not a spreadsheet, from its
 * type and text. */
tl_sheet_category tl_grid_infer_category(const tl_cell *cell);

/* Writes a cell's address ("B3") or, for a merged top-left, its range. */
void tl_grid_put_address(const tl_grid *g, size_t r, size_t c, tl_buf *out);

/* Appends cell text with the characters the encodings use as separators
 * ('|', newlines) replaced by spaces. */
void tl_grid_put_text(const char *text, size_t len, tl_buf *out);

#endif
