/* The in-memory table: what every reader fills and every encoder reads.
 *
 * A table is a header of column names plus rows of cells, row-major. Each
 * cell keeps the exact text it was written with (after CSV unquoting, HTML
 * entity decoding, ...) so encoders can print numbers exactly as written, plus
 * a type and value read from that text. All strings live in the table's arena
 * and stay valid until the table is freed. A table is immutable once a reader
 * has finished building it. */
#ifndef TL_TABLE_TABLE_H
#define TL_TABLE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"

typedef enum tl_cell_type {
    TL_CELL_NULL = 0,  /* missing: an empty field, or a null in JSON */
    TL_CELL_BOOL = 1,
    TL_CELL_INT = 2,
    TL_CELL_FLOAT = 3,
    TL_CELL_TEXT = 4,
} tl_cell_type;

typedef struct tl_cell {
    const char *text; /* as written; NUL-terminated; "" for a missing cell */
    size_t len;
    tl_cell_type type;
    union {
        bool b;
        int64_t i;
        double f;
    } value;
} tl_cell;

struct tabllm_table {
    size_t n_rows;
    size_t n_cols;
    bool has_header; /* false: the names are "0", "1", ... as pandas numbers them */
    tl_cell *header; /* n_cols column names (type TL_CELL_TEXT) */
    tl_cell *cells;  /* n_rows * n_cols, row-major */
    size_t rows_cap; /* rows allocated in `cells` */
    tl_arena arena;  /* every string above */
    /* Cell texts are packed without alignment into chunks taken from the
     * arena (most cells are a few bytes, and 8-byte alignment would double
     * the memory of a numeric table). */
    char *text_next;
    size_t text_left;
    struct tl_sheet *sheet; /* spreadsheet extras (table/sheet.h); NULL unless read from XLSX */
};

typedef struct tabllm_table tabllm_table;

/* An empty table with `n_cols` columns named "0".."n_cols-1". */
tabllm_status tl_table_new(size_t n_cols, tabllm_table **out);
void tl_table_destroy(tabllm_table *t);

/* Names column `col` (copies the text) and marks the table as having a
 * header. */
tabllm_status tl_table_set_column_name(tabllm_table *t, size_t col, const char *name, size_t len);

/* Appends a row of exactly n_cols cells, copying their texts and typing each
 * with tl_cell_classify. texts[i] may be NULL for a missing cell. */
tabllm_status tl_table_append_row(tabllm_table *t, const char *const *texts, const size_t *lens);

/* A NUL-terminated copy of s[0..len) owned by the table (packed, no
 * alignment); "" for len 0 without allocating. NULL (error set) on failure. */
const char *tl_table_store_text(tabllm_table *t, const char *s, size_t len);

/* The index of the first column named exactly `name`; false when none. */
bool tl_table_find_column(const tabllm_table *t, const char *name, size_t *out);

/* Accessors; row and column must be in range. */
static inline const tl_cell *tl_table_cell(const tabllm_table *t, size_t row, size_t col)
{
    return &t->cells[row * t->n_cols + col];
}

static inline const tl_cell *tl_table_column_name(const tabllm_table *t, size_t col)
{
    return &t->header[col];
}

/* Types a cell from its text: "" -> NULL; true/false (any case) -> BOOL;
 * a decimal integer that fits in int64 -> INT; a decimal or exponent number,
 * inf or nan -> FLOAT; anything else -> TEXT. The text itself is kept as is
 * either way. Numbers are converted exactly (correctly rounded) and
 * independently of the process locale (cell.c). */
void tl_cell_classify(tl_cell *cell);

/* The number parsers behind tl_cell_classify, for readers that type cells
 * themselves (JSON). Both take the whole of s[0..len) or fail. */
bool tl_parse_int64(const char *s, size_t len, int64_t *out);
bool tl_parse_double(const char *s, size_t len, double *out);

#endif
