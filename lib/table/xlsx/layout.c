/* Laying a worksheet's cells out as a table over its used range, with the
 * displayed text of each cell and the spreadsheet extras (table/sheet.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "table/xlsx/numfmt.h"
#include "table/xlsx/worksheet.h"

/* A grid far larger than the values in it is a crafted file more often than
 * a real sheet: beyond 16M cells, at most 4096 grid cells per value. */
#define SPARSE_GRID_CELLS (16u << 20)
#define SPARSE_CELLS_PER_VALUE 4096u

typedef struct layout {
    const xl_sheet_data *d;
    const xl_styles *styles;
    tl_numfmt **fmts;
    bool date1904;
    tabllm_table *t;
    tl_sheet *sh;
    tl_buf row_text;
} layout;

static tl_numfmt *format_of(layout *L, uint32_t idx)
{
    if (L->fmts[idx] == NULL)
        L->fmts[idx] = tl_numfmt_compile(L->styles->shown[idx]);
    return L->fmts[idx];
}

/* Renders grid row `gr` into L->row_text and fills the sheet cells; texts
 * and lens point into row_text (valid until the next row). */
static tabllm_status render_row(layout *L, size_t gr, size_t *next, const char **texts,
                                size_t *lens)
{
    tl_sheet *sh = L->sh;
    size_t n_cols = sh->n_cols;
    tl_buf_truncate(&L->row_text, 0);
    size_t *start = (size_t *)lens; /* offsets first, lengths after */
    for (size_t c = 0; c < n_cols; c++)
        texts[c] = NULL;
    uint32_t row = sh->origin_row + (uint32_t)gr;
    const xl_sheet_data *d = L->d;
    while (*next < d->n_cells && d->cells[*next].row == row) {
        const xl_cell *cell = &d->cells[(*next)++];
        size_t c = cell->col - sh->origin_col;
        tl_sheet_cell *sc = &sh->cells[gr * n_cols + c];
        tl_numfmt *f = format_of(L, cell->format);
        if (f == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        sc->kind = cell->kind;
        sc->format = cell->format;
        sc->number = cell->number;
        size_t at = L->row_text.len;
        switch (cell->kind) {
        case TL_SHEET_NUMBER:
        case TL_SHEET_ISODATE:
            tl_numfmt_render_number(f, cell->number, L->date1904, &L->row_text);
            sc->category = (uint8_t)tl_numfmt_category(f, cell->number);
            break;
        case TL_SHEET_STRING:
            tl_numfmt_render_text(f, cell->raw, cell->raw_len, &L->row_text);
            sc->category = tl_sheet_is_email(cell->raw, cell->raw_len) ? TL_CAT_EMAIL : TL_CAT_TEXT;
            break;
        case TL_SHEET_BOOL:
            tl_buf_append(&L->row_text, cell->raw, cell->raw_len);
            sc->category = TL_CAT_BOOL;
            break;
        default:
            tl_buf_append(&L->row_text, cell->raw, cell->raw_len);
            sc->category = TL_CAT_ERROR;
            break;
        }
        sc->raw = tl_arena_strndup(&L->t->arena, cell->raw, cell->raw_len);
        if (sc->raw == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        start[c] = at;
        texts[c] = ""; /* marks the column as set; fixed up below */
    }
    if (tl_buf_status(&L->row_text) != TABLLM_OK)
        return tl_buf_status(&L->row_text);
    /* Offsets to pointers and lengths, now that the buffer has stopped moving.
     * A value that displays as "" (a format with an empty section) still
     * counts as present. */
    size_t end = L->row_text.len;
    for (size_t c = n_cols; c-- > 0;) {
        if (texts[c] == NULL)
            continue;
        size_t s = start[c];
        texts[c] = L->row_text.data + s;
        lens[c] = end - s;
        end = s;
    }
    return TABLLM_OK;
}

/* Column names from the header row: empty ones "Unnamed: i", repeats
 * "name.1", "name.2" (pandas' names, so read_excel users recognise them). */
static tabllm_status set_header(tabllm_table *t, const char **texts, const size_t *lens)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        char buf[64];
        const char *name = texts[c];
        size_t len = texts[c] ? lens[c] : 0;
        if (len == 0) {
            len = (size_t)snprintf(buf, sizeof buf, "Unnamed: %zu", c);
            name = buf;
        }
        tabllm_status st = tl_table_set_column_name(t, c, name, len);
        if (st != TABLLM_OK)
            return st;
        for (int dup = 1;; dup++) {
            bool clash = false;
            for (size_t p = 0; p < c && !clash; p++)
                clash = strcmp(t->header[p].text, t->header[c].text) == 0;
            if (!clash)
                break;
            size_t n = len + 24;
            char *renamed = tl_malloc(n);
            if (renamed == NULL)
                return tl_error_oom("a column name");
            int rl = snprintf(renamed, n, "%.*s.%d", (int)len, name, dup);
            st = tl_table_set_column_name(t, c, renamed, (size_t)rl);
            tl_free(renamed);
            if (st != TABLLM_OK)
                return st;
        }
    }
    t->has_header = true;
    return TABLLM_OK;
}

/* The stored value decides a cell's type; dates are text. */
static void type_cell(tl_cell *cell, const tl_sheet_cell *sc)
{
    switch (sc->kind) {
    case TL_SHEET_EMPTY:
        cell->type = TL_CELL_NULL;
        break;
    case TL_SHEET_NUMBER:
    case TL_SHEET_ISODATE:
        if (sc->category == TL_CAT_DATE || sc->category == TL_CAT_TIME ||
            sc->category == TL_CAT_DATETIME) {
            cell->type = TL_CELL_TEXT;
        } else if (sc->number == floor(sc->number) && fabs(sc->number) < 9007199254740992.0) {
            cell->type = TL_CELL_INT;
            cell->value.i = (int64_t)sc->number;
        } else {
            cell->type = TL_CELL_FLOAT;
            cell->value.f = sc->number;
        }
        break;
    case TL_SHEET_BOOL:
        cell->type = TL_CELL_BOOL;
        cell->value.b = sc->raw[0] == 'T';
        break;
    default:
        cell->type = TL_CELL_TEXT;
        break;
    }
}

static tabllm_status limits_check(const char *sheet_name, const xl_sheet_data *d,
                                  const tabllm_table_read_params *p, const tl_sheet_range *box)
{
    uint64_t rows = (uint64_t)box->last_row - box->first_row + 1;
    uint64_t cols = (uint64_t)box->last_col - box->first_col + 1;
    uint64_t cells = rows * cols;
    char a[16], b[16];
    tl_sheet_address(box->first_row, box->first_col, a);
    tl_sheet_address(box->last_row, box->last_col, b);
    if (cols > p->max_columns)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "sheet '%s': the used range %s:%s has %llu columns, more than the %llu "
                        "allowed",
                        sheet_name, a, b, (unsigned long long)cols,
                        (unsigned long long)p->max_columns);
    if (cells > p->max_cells)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "sheet '%s': the used range %s:%s has %llu cells, more than the %llu "
                        "allowed",
                        sheet_name, a, b, (unsigned long long)cells,
                        (unsigned long long)p->max_cells);
    uint64_t values = d->n_cells + d->n_merged;
    if (cells > SPARSE_GRID_CELLS && cells / (values ? values : 1) > SPARSE_CELLS_PER_VALUE)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "sheet '%s': the used range %s:%s spans %llu cells for %llu values; "
                        "refusing so sparse a grid",
                        sheet_name, a, b, (unsigned long long)cells, (unsigned long long)values);
    return TABLLM_OK;
}

static tabllm_status fill(layout *L, const tabllm_table_read_params *p)
{
    tl_sheet *sh = L->sh;
    tabllm_table *t = L->t;
    size_t n_cols = sh->n_cols;
    const char **texts = NULL;
    size_t *lens = NULL;
    tabllm_status st = tl_calloc_array((void **)&texts, n_cols ? n_cols : 1, sizeof *texts,
                                       "a row");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&lens, n_cols ? n_cols : 1, sizeof *lens, "a row");
    size_t next = 0;
    bool header = !(p->flags & TABLLM_READ_NO_HEADER);
    for (size_t gr = 0; st == TABLLM_OK && gr < sh->n_rows; gr++) {
        st = render_row(L, gr, &next, texts, lens);
        if (st != TABLLM_OK)
            break;
        if (gr == 0 && header) {
            st = set_header(t, texts, lens);
            for (size_t c = 0; st == TABLLM_OK && c < n_cols; c++) {
                tl_sheet_cell *sc = &sh->cells[c];
                if (sc->kind == TL_SHEET_STRING &&
                    strcmp(sc->raw, t->header[c].text) == 0) /* share the text */
                    sc->raw = t->header[c].text;
            }
            continue;
        }
        if ((st = tl_table_append_row(t, texts, lens)) != TABLLM_OK)
            break;
        tl_cell *row = t->cells + (t->n_rows - 1) * n_cols;
        for (size_t c = 0; c < n_cols; c++) {
            tl_sheet_cell *sc = &sh->cells[gr * n_cols + c];
            type_cell(&row[c], sc);
            if (sc->kind == TL_SHEET_STRING && sc->raw && strcmp(sc->raw, row[c].text) == 0)
                sc->raw = row[c].text;
        }
    }
    tl_free(texts);
    tl_free(lens);
    return st;
}

tabllm_status xl_sheet_to_table(const xl_workbook *wb, const char *sheet_name,
                                const xl_sheet_data *d, const xl_styles *styles,
                                const tabllm_table_read_params *p, tabllm_table **out)
{
    *out = NULL;
    tl_sheet_range box = {UINT32_MAX, UINT32_MAX, 0, 0};
    for (size_t i = 0; i < d->n_cells; i++) {
        const xl_cell *c = &d->cells[i];
        box.first_row = c->row < box.first_row ? c->row : box.first_row;
        box.first_col = c->col < box.first_col ? c->col : box.first_col;
        box.last_row = c->row > box.last_row ? c->row : box.last_row;
        box.last_col = c->col > box.last_col ? c->col : box.last_col;
    }
    for (size_t i = 0; i < d->n_merged; i++) {
        const tl_sheet_range *m = &d->merged[i];
        box.first_row = m->first_row < box.first_row ? m->first_row : box.first_row;
        box.first_col = m->first_col < box.first_col ? m->first_col : box.first_col;
        box.last_row = m->last_row > box.last_row ? m->last_row : box.last_row;
        box.last_col = m->last_col > box.last_col ? m->last_col : box.last_col;
    }
    bool empty = d->n_cells == 0 && d->n_merged == 0;
    tabllm_status st = TABLLM_OK;
    if (!empty && (st = limits_check(sheet_name, d, p, &box)) != TABLLM_OK)
        return st;
    size_t n_rows = empty ? 0 : (size_t)(box.last_row - box.first_row) + 1;
    size_t n_cols = empty ? 0 : (size_t)(box.last_col - box.first_col) + 1;
    /* Merged ranges may not overlap, so together they cover at most the
     * grid; checked before marking them, which costs their total area. */
    uint64_t merged_area = 0;
    for (size_t i = 0; i < d->n_merged; i++) {
        const tl_sheet_range *m = &d->merged[i];
        merged_area += (uint64_t)(m->last_row - m->first_row + 1) *
                       (uint64_t)(m->last_col - m->first_col + 1);
        if (merged_area > (uint64_t)n_rows * n_cols) {
            char a[16], b[16];
            tl_sheet_address(m->first_row, m->first_col, a);
            tl_sheet_address(m->last_row, m->last_col, b);
            return tl_error(TABLLM_ERR_FORMAT, "sheet '%s': merged range %s:%s overlaps others",
                            sheet_name, a, b);
        }
    }

    layout L = {.d = d, .styles = styles, .date1904 = wb->date1904};
    tl_sheet *sh = tl_calloc(1, sizeof *sh);
    if (sh == NULL || (st = tl_table_new(n_cols, &L.t)) != TABLLM_OK) {
        tl_free(sh);
        return sh ? st : tl_error_oom("a sheet");
    }
    L.t->sheet = sh;
    L.sh = sh;
    sh->origin_row = empty ? 0 : box.first_row;
    sh->origin_col = empty ? 0 : box.first_col;
    sh->n_rows = n_rows;
    sh->n_cols = n_cols;
    sh->date1904 = wb->date1904;
    sh->has_declared_dimension = d->has_declared;
    sh->declared = d->declared;
    sh->name = tl_arena_strndup(&L.t->arena, sheet_name, strlen(sheet_name));
    st = sh->name ? TABLLM_OK : TABLLM_ERR_OUT_OF_MEMORY;
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&sh->cells, (n_rows && n_cols) ? n_rows * n_cols : 1,
                             sizeof *sh->cells, "the sheet grid");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&sh->formats, styles->n_codes, sizeof *sh->formats,
                             "number formats");
    for (size_t i = 0; st == TABLLM_OK && i < styles->n_codes; i++) {
        sh->formats[i] = tl_arena_strndup(&L.t->arena, styles->codes[i], strlen(styles->codes[i]));
        st = sh->formats[i] ? TABLLM_OK : TABLLM_ERR_OUT_OF_MEMORY;
    }
    sh->n_formats = styles->n_codes;
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&L.fmts, styles->n_codes, sizeof *L.fmts, "number formats");
    if (st == TABLLM_OK && d->n_merged) {
        st = tl_alloc_array((void **)&sh->merged, d->n_merged, sizeof *sh->merged,
                            "merged ranges");
        for (size_t i = 0; st == TABLLM_OK && i < d->n_merged; i++) {
            tl_sheet_range m = d->merged[i];
            sh->merged[i] = m;
            for (uint32_t r = m.first_row; r <= m.last_row; r++)
                for (uint32_t c = m.first_col; c <= m.last_col; c++)
                    if (r != m.first_row || c != m.first_col)
                        sh->cells[(size_t)(r - box.first_row) * n_cols + (c - box.first_col)]
                            .merged = true;
        }
        sh->n_merged = d->n_merged;
    }
    if (st == TABLLM_OK)
        st = fill(&L, p);
    if (st == TABLLM_OK && d->has_declared && !empty &&
        (d->declared.first_row != box.first_row || d->declared.first_col != box.first_col ||
         d->declared.last_row != box.last_row || d->declared.last_col != box.last_col)) {
        char a[16], b[16];
        tl_sheet_address(box.first_row, box.first_col, a);
        tl_sheet_address(box.last_row, box.last_col, b);
        tl_log_debug("sheet '%s': declared dimension differs from the used range %s:%s",
                     sheet_name, a, b);
    }
    for (size_t i = 0; L.fmts && i < styles->n_codes; i++)
        tl_numfmt_free(L.fmts[i]);
    tl_free(L.fmts);
    tl_buf_free(&L.row_text);
    if (st != TABLLM_OK) {
        tl_table_destroy(L.t);
        return st;
    }
    *out = L.t;
    return TABLLM_OK;
}
