#include "table/table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    char *copy = tl_arena_strndup(&t->arena, name, len);
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
        char *copy = tl_arena_strndup(&t->arena, text, len);
        if (copy == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        row[c].text = copy;
        row[c].len = len;
        tl_cell_classify(&row[c]);
    }
    t->n_rows++;
    return TABLLM_OK;
}

static bool parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i == len)
        return false;
    for (size_t j = i; j < len; j++)
        if (s[j] < '0' || s[j] > '9')
            return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || (size_t)(end - s) != len)
        return false;
    *out = v;
    return true;
}

static bool parse_float(const char *s, size_t len, double *out)
{
    /* Only decimal notation: strtod would also take hex floats ("0x1F"). */
    size_t i = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    if (len - i == 3 && (strncasecmp(s + i, "inf", 3) == 0 || strncasecmp(s + i, "nan", 3) == 0)) {
        double v = (s[i] == 'n' || s[i] == 'N') ? NAN : INFINITY;
        *out = s[0] == '-' ? -v : v;
        return true;
    }
    bool digits = false;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits = true;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits = true;
    }
    if (!digits)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            i++;
        bool exp_digits = false;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, exp_digits = true;
        if (!exp_digits)
            return false;
    }
    if (i != len)
        return false;
    *out = strtod(s, NULL);
    return true;
}

void tl_cell_classify(tl_cell *cell)
{
    const char *s = cell->text;
    size_t len = cell->len;
    if (len == 0) {
        cell->type = TL_CELL_NULL;
    } else if ((len == 4 && strncasecmp(s, "true", 4) == 0) ||
               (len == 5 && strncasecmp(s, "false", 5) == 0)) {
        cell->type = TL_CELL_BOOL;
        cell->value.b = len == 4;
    } else if (parse_int(s, len, &cell->value.i)) {
        cell->type = TL_CELL_INT;
    } else if (parse_float(s, len, &cell->value.f)) {
        cell->type = TL_CELL_FLOAT;
    } else {
        cell->type = TL_CELL_TEXT;
    }
}
