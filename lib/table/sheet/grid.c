#include "table/sheet/grid.h"

#include <ctype.h>
#include <string.h>

#include "base/alloc.h"

/* --- categories of cells that carry no number format ---------------------- */

static size_t digits(const char *s, size_t i, size_t len)
{
    size_t j = i;
    while (j < len && s[j] >= '0' && s[j] <= '9')
        j++;
    return j - i;
}

/* "1234", "1,234,567", with an optional ".5": true, and whether it had a
 * fraction. */
static bool plain_number(const char *s, size_t len, size_t *i, bool *fraction)
{
    size_t n = digits(s, *i, len);
    if (n == 0)
        return false;
    *i += n;
    while (*i < len && s[*i] == ',' && digits(s, *i + 1, len) == 3)
        *i += 4;
    *fraction = false;
    if (*i < len && s[*i] == '.') {
        size_t f = digits(s, *i + 1, len);
        if (f == 0)
            return false;
        *i += 1 + f;
        *fraction = true;
    }
    return true;
}

static bool is_currency_symbol(const char *s, size_t len, size_t i, size_t *w)
{
    static const char *const symbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5",
                                          "\xe2\x82\xb9"};
    for (size_t k = 0; k < sizeof symbols / sizeof *symbols; k++) {
        size_t n = strlen(symbols[k]);
        if (i + n <= len && memcmp(s + i, symbols[k], n) == 0) {
            *w = n;
            return true;
        }
    }
    return false;
}

static bool time_at(const char *s, size_t len, size_t i)
{
    size_t h = digits(s, i, len);
    if (h < 1 || h > 2 || i + h >= len || s[i + h] != ':' || digits(s, i + h + 1, len) != 2)
        return false;
    i += h + 3;
    if (i < len && s[i] == ':') {
        if (digits(s, i + 1, len) != 2)
            return false;
        i += 3;
        if (i < len && s[i] == '.') {
            size_t f = digits(s, i + 1, len);
            if (f == 0)
                return false;
            i += 1 + f;
        }
    }
    if (i < len && s[i] == ' ')
        i++;
    if (i + 2 == len && (toupper((unsigned char)s[i]) == 'A' || toupper((unsigned char)s[i]) == 'P') &&
        toupper((unsigned char)s[i + 1]) == 'M')
        return true;
    return i == len || (i + 1 == len && s[i] == 'Z');
}

static bool iso_date_at(const char *s, size_t len)
{
    return len >= 10 && digits(s, 0, len) == 4 && s[4] == '-' && digits(s, 5, len) == 2 &&
           s[7] == '-' && digits(s, 8, len) == 2;
}

static bool slash_date(const char *s, size_t len)
{
    size_t a = digits(s, 0, len);
    if (a < 1 || a > 4 || a >= len || s[a] != '/')
        return false;
    size_t b = digits(s, a + 1, len);
    if (b < 1 || b > 2 || a + 1 + b >= len || s[a + 1 + b] != '/')
        return false;
    size_t c = digits(s, a + 2 + b, len);
    return (c == 2 || c == 4 || (a == 4 && c <= 2 && c >= 1)) && a + 2 + b + c == len;
}

tl_sheet_category tl_grid_infer_category(const tl_cell *cell)
{
    const char *s = cell->text;
    size_t len = cell->len;
    switch (cell->type) {
    case TL_CELL_NULL:
        return TL_CAT_EMPTY;
    case TL_CELL_BOOL:
        return TL_CAT_BOOL;
    case TL_CELL_INT:
        return TL_CAT_INTEGER;
    case TL_CELL_FLOAT:
        return (memchr(s, 'e', len) || memchr(s, 'E', len)) ? TL_CAT_SCIENTIFIC : TL_CAT_DECIMAL;
    default:
        break;
    }
    if (len == 0)
        return TL_CAT_EMPTY;
    if (tl_sheet_is_email(s, len))
        return TL_CAT_EMAIL;
    if (iso_date_at(s, len)) {
        if (len == 10)
            return TL_CAT_DATE;
        if ((s[10] == 'T' || s[10] == ' ') && time_at(s, len, 11))
            return TL_CAT_DATETIME;
        return TL_CAT_TEXT;
    }
    if (slash_date(s, len))
        return TL_CAT_DATE;
    if (time_at(s, len, 0))
        return TL_CAT_TIME;
    /* signed numbers with grouping, %, or a currency symbol before or after */
    size_t i = 0, end = len;
    bool paren = len >= 2 && s[0] == '(' && s[len - 1] == ')';
    if (paren)
        i = 1, end = len - 1;
    if (i < end && (s[i] == '-' || s[i] == '+'))
        i++;
    size_t w;
    bool currency = false;
    if (is_currency_symbol(s, end, i, &w)) {
        currency = true;
        i += w;
        if (i < end && s[i] == ' ')
            i++;
    }
    if (i < end && (s[i] == '-' || s[i] == '+') && currency)
        i++;
    bool fraction;
    if (!plain_number(s, end, &i, &fraction))
        return TL_CAT_TEXT;
    if (!currency && i < end && s[i] == ' ' && is_currency_symbol(s, end, i + 1, &w) &&
        i + 1 + w == end)
        return TL_CAT_CURRENCY;
    if (!currency && i < end && is_currency_symbol(s, end, i, &w) && i + w == end)
        return TL_CAT_CURRENCY;
    if (!currency && i < end && s[i] == '%' && i + 1 == end)
        return TL_CAT_PERCENTAGE;
    if (!currency && i + 2 == end && s[i] == ' ' && s[i + 1] == '%')
        return TL_CAT_PERCENTAGE;
    if (i != end)
        return TL_CAT_TEXT;
    if (currency)
        return TL_CAT_CURRENCY;
    return fraction ? TL_CAT_DECIMAL : TL_CAT_INTEGER;
}

/* --- the grid ------------------------------------------------------------- */

tabllm_status tl_grid_from_view(const tl_view *view, const tabllm_encode_params *params,
                                tl_grid *out)
{
    memset(out, 0, sizeof *out);
    const tabllm_table *t = view->table;
    const tl_sheet *sh = t->sheet;
    bool header = t->has_header && !(params->flags & TABLLM_ENCODE_NO_HEADER);
    bool verbatim = params->cells == TABLLM_CELLS_VERBATIM;
    out->n_rows = view->n_rows + (header ? 1 : 0);
    out->n_cols = view->n_cols;
    size_t n;
    if (!tl_size_mul(out->n_rows, out->n_cols, &n))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "the sheet grid is too large");
    tabllm_status st = tl_alloc_array((void **)&out->row_addr, out->n_rows ? out->n_rows : 1,
                                      sizeof *out->row_addr, "the sheet grid");
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&out->col_addr, out->n_cols ? out->n_cols : 1,
                            sizeof *out->col_addr, "the sheet grid");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&out->cells, n ? n : 1, sizeof *out->cells,
                             "the sheet grid");
    if (st != TABLLM_OK) {
        tl_grid_free(out);
        return st;
    }
    out->merged = sh ? sh->merged : NULL;
    /* Where table row r sits on the sheet: after the header row, if the
     * table has one (even when the header is left out of the text). */
    uint32_t first = t->has_header ? 1 : 0;
    uint32_t origin_row = sh ? sh->origin_row : 0, origin_col = sh ? sh->origin_col : 0;
    for (size_t c = 0; c < out->n_cols; c++)
        out->col_addr[c] = origin_col + (uint32_t)view->cols[c];
    for (size_t gr = 0; gr < out->n_rows; gr++) {
        bool is_header = header && gr == 0;
        size_t trow = is_header ? 0 : view->rows[gr - (header ? 1 : 0)];
        size_t sheet_grid_row = is_header ? 0 : trow + first; /* row in tl_sheet's grid */
        out->row_addr[gr] = origin_row + (uint32_t)sheet_grid_row;
        for (size_t c = 0; c < out->n_cols; c++) {
            size_t tc = view->cols[c];
            const tl_cell *cell = is_header ? &t->header[tc] : tl_table_cell(t, trow, tc);
            tl_grid_cell *g = &out->cells[gr * out->n_cols + c];
            g->merge = -1;
            g->text = cell->text;
            g->len = cell->len;
            if (sh != NULL) {
                const tl_sheet_cell *sc = tl_sheet_at(sh, sheet_grid_row, tc);
                g->category = sc->category;
                g->covered = sc->merged;
                const char *code = sh->formats ? sh->formats[sc->format] : NULL;
                g->format = (sc->kind == TL_SHEET_NUMBER || sc->kind == TL_SHEET_ISODATE) && code &&
                                    strcmp(code, "General") != 0
                                ? code
                                : NULL;
                if (sc->kind == TL_SHEET_EMPTY)
                    g->len = 0, g->text = "";
                else if (verbatim && sc->raw)
                    g->text = sc->raw, g->len = strlen(sc->raw);
            } else {
                g->category = is_header && cell->len ? TL_CAT_TEXT : tl_grid_infer_category(cell);
            }
        }
    }
    if (sh != NULL) {
        for (size_t m = 0; m < sh->n_merged; m++) {
            const tl_sheet_range *mr = &sh->merged[m];
            for (size_t gr = 0; gr < out->n_rows; gr++) {
                if (out->row_addr[gr] != mr->first_row)
                    continue;
                for (size_t c = 0; c < out->n_cols; c++)
                    if (out->col_addr[c] == mr->first_col)
                        out->cells[gr * out->n_cols + c].merge = (int32_t)m;
            }
        }
    }
    return TABLLM_OK;
}

void tl_grid_free(tl_grid *g)
{
    tl_free(g->row_addr);
    tl_free(g->col_addr);
    tl_free(g->cells);
    memset(g, 0, sizeof *g);
}

void tl_grid_put_address(const tl_grid *g, size_t r, size_t c, tl_buf *out)
{
    char a[16];
    const tl_grid_cell *cell = tl_grid_at(g, r, c);
    if (cell->merge >= 0) {
        const tl_sheet_range *m = &g->merged[cell->merge];
        tl_sheet_address(m->first_row, m->first_col, a);
        tl_buf_puts(out, a);
        tl_buf_putc(out, ':');
        tl_sheet_address(m->last_row, m->last_col, a);
        tl_buf_puts(out, a);
        return;
    }
    tl_buf_append(out, a, tl_sheet_address(g->row_addr[r], g->col_addr[c], a));
}

void tl_grid_put_text(const char *text, size_t len, tl_buf *out)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '|' || text[i] == '\n' || text[i] == '\r') {
            tl_buf_append(out, text + start, i - start);
            tl_buf_putc(out, ' ');
            start = i + 1;
        }
    }
    tl_buf_append(out, text + start, len - start);
}
