#include "table/table.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "table/sheet.h"

tabllm_status tl_table_new(size_t n_cols, tabllm_table **out)
{
    *out = NULL;
    tabllm_table *t = tl_calloc(1, sizeof *t);
    if (t == NULL)
        return tl_error_oom("a table");
    t->n_cols = n_cols;
    tabllm_status st = tl_calloc_array((void **)&t->header, n_cols, sizeof *t->header,
                                       "the table header");
    for (size_t c = 0; st == TABLLM_OK && c < n_cols; c++) {
        char name[32];
        int len = snprintf(name, sizeof name, "%zu", c);
        t->header[c].text = tl_arena_strndup(&t->arena, name, (size_t)len);
        t->header[c].len = (size_t)len;
        t->header[c].type = TL_CELL_TEXT;
        if (t->header[c].text == NULL)
            st = TABLLM_ERR_OUT_OF_MEMORY;
    }
    if (st != TABLLM_OK) {
        tl_table_destroy(t);
        return st;
    }
    *out = t;
    return TABLLM_OK;
}

void tl_table_destroy(tabllm_table *t)
{
    if (t == NULL)
        return;
    tl_sheet_destroy(t->sheet);
    tl_arena_free(&t->arena);
    tl_free(t->header);
    tl_free(t->cells);
    tl_free(t);
}

tabllm_status tl_table_set_column_name(tabllm_table *t, size_t col, const char *name, size_t len)
{
    const char *copy = tl_table_store_text(t, name, len);
    if (copy == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    t->header[col].text = copy;
    t->header[col].len = len;
    t->has_header = true;
    return TABLLM_OK;
}

tabllm_status tl_table_append_row(tabllm_table *t, const char *const *texts, const size_t *lens)
{
    size_t needed;
    if (!tl_size_mul(t->n_rows + 1, t->n_cols, &needed))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "table of %zu rows x %zu columns is too large",
                        t->n_rows + 1, t->n_cols);
    if (t->n_rows + 1 > t->rows_cap) {
        size_t cap = t->rows_cap;
        size_t cells_cap = cap * t->n_cols;
        /* Grow by rows: tl_grow_array counts elements, so grow the cell array
         * and derive the row capacity from it. */
        tabllm_status st = tl_grow_array((void **)&t->cells, &cells_cap,
                                         needed > 0 ? needed : 1, sizeof *t->cells, "table rows");
        if (st != TABLLM_OK)
            return st;
        t->rows_cap = t->n_cols ? cells_cap / t->n_cols : SIZE_MAX;
    }
    tl_cell *row = t->cells + t->n_rows * t->n_cols;
    for (size_t c = 0; c < t->n_cols; c++) {
        const char *text = texts[c] ? texts[c] : "";
        size_t len = texts[c] ? lens[c] : 0;
        const char *copy = tl_table_store_text(t, text, len);
        if (copy == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        row[c].text = copy;
        row[c].len = len;
        tl_cell_classify(&row[c]);
    }
    t->n_rows++;
    return TABLLM_OK;
}

#define TEXT_CHUNK (64u << 10)

const char *tl_table_store_text(tabllm_table *t, const char *s, size_t len)
{
    if (len == 0)
        return "";
    size_t need;
    if (!tl_size_add(len, 1, &need)) {
        tl_error(TABLLM_ERR_OUT_OF_MEMORY, "cell of %zu bytes is too long", len);
        return NULL;
    }
    if (need > t->text_left) {
        /* Long texts get a block of their own, so a chunk's tail is not
         * wasted for them. */
        if (need >= TEXT_CHUNK / 4)
            return tl_arena_strndup(&t->arena, s, len);
        char *chunk = tl_arena_alloc(&t->arena, TEXT_CHUNK);
        if (chunk == NULL)
            return NULL;
        t->text_next = chunk;
        t->text_left = TEXT_CHUNK;
    }
    char *copy = t->text_next;
    memcpy(copy, s, len);
    copy[len] = '\0';
    t->text_next += need;
    t->text_left -= need;
    return copy;
}

bool tl_table_find_column(const tabllm_table *t, const char *name, size_t *out)
{
    size_t len = strlen(name);
    for (size_t c = 0; c < t->n_cols; c++) {
        if (t->header[c].len == len && memcmp(t->header[c].text, name, len) == 0) {
            *out = c;
            return true;
        }
    }
    return false;
}
