/* Assembling a table row by row, for every reader.
 *
 * A reader pushes fields and ends rows; the builder applies the header rule,
 * the ragged-row policy and the caps of tabllm_table_read_params, and lays
 * the cells out row-major. Errors carry no position: the reader knows where
 * it is and prefixes "name:line:column: " with tl_error_prefix(). */
#ifndef TL_TABLE_BUILDER_H
#define TL_TABLE_BUILDER_H

#include <string.h>

#include "table/table.h"

typedef struct tl_builder {
    tabllm_table *t;    /* owns the cell texts; cells/header set at finish */
    uint32_t policy;    /* a tabllm_ragged_policy */
    bool header_next;   /* the next row ended is the header */
    bool width_known;   /* a header or first row has fixed the width */
    uint64_t max_cells, max_columns, max_field_bytes;

    tl_cell *header;    /* width names (header_cap allocated) */
    size_t header_cap;
    tl_cell *cells;     /* n_rows rows of `stride` cells; stride >= width */
    size_t stride;
    size_t rows_cap;
    size_t n_rows;
    size_t width;

    tl_cell *row;       /* the row being read */
    size_t row_len, row_cap;
} tl_builder;

/* `has_header`: the first row ended names the columns. */
tabllm_status tl_builder_init(tl_builder *b, const tabllm_table_read_params *p, uint32_t policy,
                              bool has_header);
/* Frees everything, including the table, unless tl_builder_finish took it. */
void tl_builder_free(tl_builder *b);

/* Adds a field to the current row: copies the text and types it. The common
 * case (room in the row and in the table's text chunk) is inline: this runs
 * once per cell of a gigabyte CSV. */
tabllm_status tl_builder_field_slow(tl_builder *b, const char *text, size_t len);

static inline tabllm_status tl_builder_field(tl_builder *b, const char *text, size_t len)
{
    tabllm_table *t = b->t;
    if (b->row_len < b->row_cap && len < t->text_left && len <= b->max_field_bytes) {
        tl_cell *c = &b->row[b->row_len++];
        c->len = len;
        c->value.i = 0;
        if (len == 0) {
            c->text = "";
            c->type = TL_CELL_NULL;
            return TABLLM_OK;
        }
        char *copy = t->text_next;
        memcpy(copy, text, len);
        copy[len] = '\0';
        t->text_next += len + 1;
        t->text_left -= len + 1;
        c->text = copy;
        tl_cell_classify(c);
        return TABLLM_OK;
    }
    return tl_builder_field_slow(b, text, len);
}
/* Adds a cell whose type the reader decided (JSON); its text is copied. */
tabllm_status tl_builder_typed(tl_builder *b, const tl_cell *cell);
/* Puts a cell at column `col` of the current row (JSON records): columns
 * skipped so far are missing; an existing cell there is replaced. */
tabllm_status tl_builder_put(tl_builder *b, size_t col, const tl_cell *cell);

/* Ends the current row. */
tabllm_status tl_builder_end_row(tl_builder *b);
/* Fields in the current row so far. */
static inline size_t tl_builder_row_len(const tl_builder *b)
{
    return b->row_len;
}

/* Sets the column names directly (JSON records and split). Must come before
 * any row; fixes the width unless the policy allows widening. */
tabllm_status tl_builder_set_header(tl_builder *b, const tl_cell *names, size_t n);
/* Adds one more named column to a table whose rows so far lack it (JSON
 * records meeting a new key): earlier rows get a missing cell. */
tabllm_status tl_builder_add_column(tl_builder *b, const char *name, size_t len);

/* Hands over the finished table. */
tabllm_status tl_builder_finish(tl_builder *b, tabllm_table **out);

#endif
