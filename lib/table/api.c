/* The public face of tabllm_table: building from bindings, inspecting. */
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "table/table.h"

_Static_assert((int)TL_CELL_NULL == (int)TABLLM_CELL_NULL && (int)TL_CELL_BOOL == (int)TABLLM_CELL_BOOL &&
                   (int)TL_CELL_INT == (int)TABLLM_CELL_INT &&
                   (int)TL_CELL_FLOAT == (int)TABLLM_CELL_FLOAT &&
                   (int)TL_CELL_TEXT == (int)TABLLM_CELL_TEXT,
               "internal and public cell types agree");

static tabllm_status check_utf8(const char *what, size_t index, const char *s, size_t len)
{
    size_t valid = tl_utf8_valid_prefix(s, len);
    if (valid != len)
        return tl_error(TABLLM_ERR_INVALID_UTF8, "%s %zu: invalid UTF-8 at byte offset %zu", what,
                        index, valid);
    if (memchr(s, '\0', len) != NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s %zu contains a NUL byte", what, index);
    return TABLLM_OK;
}

TABLLM_API tabllm_status tabllm_table_new(const char *const *names, size_t n_columns,
                                          tabllm_table **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_new: out is NULL");
    *out = NULL;
    if (names == NULL && n_columns > 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_new: names is NULL");
    for (size_t c = 0; c < n_columns; c++) {
        if (names[c] == NULL)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_new: name %zu is NULL", c);
        tabllm_status st = check_utf8("column name", c, names[c], strlen(names[c]));
        if (st != TABLLM_OK)
            return st;
    }
    tabllm_table *t;
    tabllm_status st = tl_table_new(n_columns, &t);
    for (size_t c = 0; st == TABLLM_OK && c < n_columns; c++)
        st = tl_table_set_column_name(t, c, names[c], strlen(names[c]));
    if (st != TABLLM_OK) {
        tl_table_destroy(t);
        return st;
    }
    t->has_header = true;
    *out = t;
    return TABLLM_OK;
}

TABLLM_API tabllm_status tabllm_table_append_row(tabllm_table *table, const char *const *cells,
                                                 size_t n_cells)
{
    if (table == NULL || (cells == NULL && n_cells > 0))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_append_row: NULL argument");
    if (n_cells != table->n_cols)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_table_append_row: %zu cells for a table of %zu columns", n_cells,
                        table->n_cols);
    size_t lens_small[16];
    size_t *lens = lens_small;
    if (n_cells > 16) {
        tabllm_status st = tl_alloc_array((void **)&lens, n_cells, sizeof *lens, "cell lengths");
        if (st != TABLLM_OK)
            return st;
    }
    tabllm_status st = TABLLM_OK;
    for (size_t c = 0; c < n_cells && st == TABLLM_OK; c++) {
        lens[c] = cells[c] ? strlen(cells[c]) : 0;
        if (cells[c])
            st = check_utf8("cell", c, cells[c], lens[c]);
    }
    if (st == TABLLM_OK)
        st = tl_table_append_row(table, cells, lens);
    if (lens != lens_small)
        tl_free(lens);
    return st;
}

TABLLM_API void tabllm_table_free(tabllm_table *table)
{
    tl_table_destroy(table);
}

TABLLM_API size_t tabllm_table_n_rows(const tabllm_table *table)
{
    return table ? table->n_rows : 0;
}

TABLLM_API size_t tabllm_table_n_columns(const tabllm_table *table)
{
    return table ? table->n_cols : 0;
}

TABLLM_API const char *tabllm_table_column_name(const tabllm_table *table, size_t column)
{
    if (table == NULL || column >= table->n_cols)
        return NULL;
    return tl_table_column_name(table, column)->text;
}

TABLLM_API const char *tabllm_table_cell(const tabllm_table *table, size_t row, size_t column,
                                         size_t *len, tabllm_cell_type *type)
{
    if (table == NULL || row >= table->n_rows || column >= table->n_cols)
        return NULL;
    const tl_cell *cell = tl_table_cell(table, row, column);
    if (len)
        *len = cell->len;
    if (type)
        *type = (tabllm_cell_type)cell->type;
    return cell->text;
}
