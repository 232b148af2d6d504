#include "table/builder.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

static const tl_cell missing_cell = {"", 0, TL_CELL_NULL, {0}};

tabllm_status tl_builder_init(tl_builder *b, const tabllm_table_read_params *p, uint32_t policy,
                              bool has_header)
{
    memset(b, 0, sizeof *b);
    b->policy = policy;
    b->header_next = has_header;
    b->max_cells = p->max_cells;
    b->max_columns = p->max_columns;
    b->max_field_bytes = p->max_field_bytes;
    return tl_table_new(0, &b->t);
}

void tl_builder_free(tl_builder *b)
{
    tl_table_destroy(b->t);
    tl_free(b->header);
    tl_free(b->cells);
    tl_free(b->row);
    memset(b, 0, sizeof *b);
}

static tabllm_status column_cap(const tl_builder *b, size_t n)
{
    if (n > b->max_columns)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%zu columns exceed the limit of %llu", n,
                        (unsigned long long)b->max_columns);
    return TABLLM_OK;
}

static tabllm_status push(tl_builder *b, const tl_cell *cell)
{
    if (b->row_len == b->row_cap) {
        tabllm_status st = column_cap(b, b->row_len + 1);
        if (st != TABLLM_OK)
            return st;
        st = tl_grow_array((void **)&b->row, &b->row_cap, b->row_len + 1, sizeof *b->row,
                           "a table row");
        if (st != TABLLM_OK)
            return st;
    }
    b->row[b->row_len++] = *cell;
    return TABLLM_OK;
}

static tabllm_status field_cap(const tl_builder *b, size_t len)
{
    if (len > b->max_field_bytes)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "a field of %zu bytes exceeds the limit of %llu",
                        len, (unsigned long long)b->max_field_bytes);
    return TABLLM_OK;
}

tabllm_status tl_builder_field_slow(tl_builder *b, const char *text, size_t len)
{
    tabllm_status st = field_cap(b, len);
    if (st != TABLLM_OK)
        return st;
    tl_cell cell;
    cell.text = tl_table_store_text(b->t, text, len);
    if (cell.text == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    cell.len = len;
    cell.value.i = 0;
    tl_cell_classify(&cell);
    return push(b, &cell);
}

static tabllm_status copy_typed(tl_builder *b, const tl_cell *in, tl_cell *out)
{
    tabllm_status st = field_cap(b, in->len);
    if (st != TABLLM_OK)
        return st;
    *out = *in;
    out->text = tl_table_store_text(b->t, in->text, in->len);
    return out->text == NULL ? TABLLM_ERR_OUT_OF_MEMORY : TABLLM_OK;
}

tabllm_status tl_builder_typed(tl_builder *b, const tl_cell *cell)
{
    tl_cell copy;
    tabllm_status st = copy_typed(b, cell, &copy);
    return st != TABLLM_OK ? st : push(b, &copy);
}

tabllm_status tl_builder_put(tl_builder *b, size_t col, const tl_cell *cell)
{
    tl_cell copy;
    tabllm_status st = copy_typed(b, cell, &copy);
    while (st == TABLLM_OK && b->row_len <= col)
        st = push(b, &missing_cell);
    if (st == TABLLM_OK)
        b->row[col] = copy;
    return st;
}

/* Makes the header `n` names long; new names are "" under a header (as a
 * missing header cell) or the column number without one. */
static tabllm_status grow_header(tl_builder *b, size_t n, bool numbered)
{
    if (n > b->header_cap) {
        tabllm_status st =
            tl_grow_array((void **)&b->header, &b->header_cap, n, sizeof *b->header, "the header");
        if (st != TABLLM_OK)
            return st;
    }
    for (size_t c = b->width; c < n; c++) {
        b->header[c] = missing_cell;
        b->header[c].type = TL_CELL_TEXT;
        if (numbered) {
            char name[24];
            int len = snprintf(name, sizeof name, "%zu", c);
            b->header[c].text = tl_table_store_text(b->t, name, (size_t)len);
            if (b->header[c].text == NULL)
                return TABLLM_ERR_OUT_OF_MEMORY;
            b->header[c].len = (size_t)len;
        }
    }
    return TABLLM_OK;
}

/* Widens every row to `n` columns. The stride grows geometrically so that a
 * file whose rows keep getting longer costs linear, not quadratic, time. */
static tabllm_status widen(tl_builder *b, size_t n)
{
    tabllm_status st = column_cap(b, n);
    if (st != TABLLM_OK)
        return st;
    st = grow_header(b, n, !b->t->has_header);
    if (st != TABLLM_OK)
        return st;
    if (n > b->stride) {
        size_t stride = b->stride * 2 > n ? b->stride * 2 : n;
        if (stride > b->max_columns)
            stride = n;
        size_t count;
        tl_cell *cells = NULL;
        if (b->rows_cap > 0) {
            if (!tl_size_mul(b->rows_cap, stride, &count))
                return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "table of %zu x %zu cells is too large",
                                b->rows_cap, stride);
            st = tl_alloc_array((void **)&cells, count, sizeof *cells, "table cells");
            if (st != TABLLM_OK)
                return st;
        }
        for (size_t r = 0; r < b->n_rows; r++) {
            if (b->width > 0)
                memcpy(cells + r * stride, b->cells + r * b->stride, b->width * sizeof *cells);
            for (size_t c = b->width; c < stride; c++)
                cells[r * stride + c] = missing_cell;
        }
        tl_free(b->cells);
        b->cells = cells;
        b->stride = stride;
    }
    /* Cells between the old width and the stride are already missing. */
    b->width = n;
    return TABLLM_OK;
}

static tabllm_status take_header(tl_builder *b)
{
    tabllm_status st = column_cap(b, b->row_len);
    if (st != TABLLM_OK)
        return st;
    b->t->has_header = true;
    st = grow_header(b, b->row_len, false);
    if (st != TABLLM_OK)
        return st;
    for (size_t c = 0; c < b->row_len; c++) {
        b->header[c] = b->row[c];
        b->header[c].type = TL_CELL_TEXT;
    }
    b->width = b->stride = b->row_len;
    b->width_known = true;
    b->header_next = false;
    b->row_len = 0;
    return TABLLM_OK;
}

static tabllm_status append(tl_builder *b)
{
    size_t cells;
    if (!tl_size_mul(b->n_rows + 1, b->width, &cells) || cells > b->max_cells)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "the table reaches %zu rows of %zu columns, over the limit of %llu cells",
                        b->n_rows + 1, b->width, (unsigned long long)b->max_cells);
    if (b->n_rows == b->rows_cap) {
        size_t total = b->rows_cap * b->stride;
        size_t needed;
        if (!tl_size_mul(b->n_rows + 1, b->stride > 0 ? b->stride : 1, &needed))
            return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "table is too large");
        tabllm_status st =
            tl_grow_array((void **)&b->cells, &total, needed, sizeof *b->cells, "table rows");
        if (st != TABLLM_OK)
            return st;
        b->rows_cap = b->stride > 0 ? total / b->stride : total;
    }
    tl_cell *dst = b->cells + b->n_rows * b->stride;
    size_t n = b->row_len < b->width ? b->row_len : b->width;
    if (n > 0)
        memcpy(dst, b->row, n * sizeof *dst);
    for (size_t c = n; c < b->stride; c++)
        dst[c] = missing_cell;
    b->n_rows++;
    b->row_len = 0;
    return TABLLM_OK;
}

tabllm_status tl_builder_end_row(tl_builder *b)
{
    if (b->header_next)
        return take_header(b);
    tabllm_status st;
    if (!b->width_known) {
        /* No header: the first row fixes the width; columns are numbered. */
        st = widen(b, b->row_len);
        if (st != TABLLM_OK)
            return st;
        b->width_known = true;
    } else if (b->row_len > b->width) {
        switch (b->policy) {
        case TABLLM_RAGGED_PAD:
            st = widen(b, b->row_len);
            if (st != TABLLM_OK)
                return st;
            break;
        case TABLLM_RAGGED_TRUNCATE:
            break;
        default:
            return tl_error(TABLLM_ERR_TABLE_SHAPE, "row has %zu fields, expected %zu%s",
                            b->row_len, b->width, b->t->has_header ? " as in the header" : "");
        }
    } else if (b->row_len < b->width && b->policy == TABLLM_RAGGED_ERROR) {
        return tl_error(TABLLM_ERR_TABLE_SHAPE, "row has %zu fields, expected %zu%s", b->row_len,
                        b->width, b->t->has_header ? " as in the header" : "");
    }
    return append(b);
}

tabllm_status tl_builder_set_header(tl_builder *b, const tl_cell *names, size_t n)
{
    b->row_len = 0;
    for (size_t c = 0; c < n; c++) {
        tabllm_status st = tl_builder_typed(b, &names[c]);
        if (st != TABLLM_OK)
            return st;
    }
    return take_header(b);
}

tabllm_status tl_builder_add_column(tl_builder *b, const char *name, size_t len)
{
    size_t col = b->width;
    tabllm_status st = widen(b, col + 1);
    if (st != TABLLM_OK)
        return st;
    b->width_known = true;
    const char *copy = tl_table_store_text(b->t, name, len);
    if (copy == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    b->header[col].text = copy;
    b->header[col].len = len;
    return TABLLM_OK;
}

tabllm_status tl_builder_finish(tl_builder *b, tabllm_table **out)
{
    *out = NULL;
    tabllm_table *t = b->t;
    if (b->stride != b->width) {
        /* Compact in place: each row moves to a lower address. */
        for (size_t r = 1; r < b->n_rows; r++)
            memmove(b->cells + r * b->width, b->cells + r * b->stride,
                    b->width * sizeof *b->cells);
        b->rows_cap = b->width > 0 ? b->rows_cap * b->stride / b->width : b->n_rows;
    }
    tl_free(t->header);
    t->header = b->header;
    t->n_cols = b->width;
    t->cells = b->cells;
    t->n_rows = b->n_rows;
    t->rows_cap = b->width > 0 ? b->rows_cap : SIZE_MAX;
    b->header = NULL;
    b->cells = NULL;
    b->t = NULL;
    tl_free(b->row);
    b->row = NULL;
    *out = t;
    return TABLLM_OK;
}
