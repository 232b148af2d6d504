/* A user template per row: "{column}" is replaced by that column's cell,
 * "{{" and "}}" are literal braces (Python's str.format rules for these).
 * A placeholder must name one of the columns being printed (after
 * p->columns); otherwise TABLLM_ERR_NOT_FOUND names it.
 * With p->row >= 0 the output is that table row's text alone; otherwise each
 * selected row's text followed by "\n". */
#include <string.h>

#include "base/alloc.h"
#include "table/enc_generic.h"
#include "table/enc_util.h"

typedef struct segment {
    const char *text; /* literal, or NULL for a column */
    size_t len;
    size_t col;       /* view column, for a placeholder */
} segment;

/* Looks `name` up among the view's columns. */
static bool find_view_column(const tl_view *v, const char *name, size_t len, size_t *out)
{
    for (size_t j = 0; j < v->n_cols; j++) {
        const tl_cell *c = tl_view_name(v, j);
        if (c->len == len && memcmp(c->text, name, len) == 0) {
            *out = j;
            return true;
        }
    }
    return false;
}

static tabllm_status parse(const char *tmpl, const tl_view *v, segment **out, size_t *n_out)
{
    size_t len = strlen(tmpl), n = 0, cap = 0;
    segment *segs = NULL;
    tabllm_status st = TABLLM_OK;
    size_t i = 0;
    while (i < len && st == TABLLM_OK) {
        segment s = {tmpl + i, 0, 0};
        if (tmpl[i] == '{' && i + 1 < len && tmpl[i + 1] == '{') {
            s.len = 1;
            i += 2;
        } else if (tmpl[i] == '}' && i + 1 < len && tmpl[i + 1] == '}') {
            s.len = 1;
            i += 2;
        } else if (tmpl[i] == '}') {
            st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                          "template: single '}' at byte %zu (write '}}' for a literal brace)", i);
            break;
        } else if (tmpl[i] == '{') {
            const char *close = memchr(tmpl + i + 1, '}', len - i - 1);
            const char *open = memchr(tmpl + i + 1, '{', len - i - 1);
            if (close == NULL || (open != NULL && open < close)) {
                st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                              "template: '{' at byte %zu is not closed (write '{{' for a literal "
                              "brace)",
                              i);
                break;
            }
            const char *name = tmpl + i + 1;
            size_t name_len = (size_t)(close - name);
            if (!find_view_column(v, name, name_len, &s.col)) {
                st = tl_error(TABLLM_ERR_NOT_FOUND,
                              "template: no column named '%.*s' (placeholder at byte %zu)",
                              (int)(name_len > 200 ? 200 : name_len), name, i);
                break;
            }
            s.text = NULL;
            i = (size_t)(close - tmpl) + 1;
        } else {
            size_t j = i;
            while (j < len && tmpl[j] != '{' && tmpl[j] != '}')
                j++;
            s.len = j - i;
            i = j;
        }
        if (n == cap)
            st = tl_grow_array((void **)&segs, &cap, n + 1, sizeof *segs, "template parts");
        if (st == TABLLM_OK)
            segs[n++] = s;
    }
    if (st != TABLLM_OK) {
        tl_free(segs);
        return st;
    }
    *out = segs;
    *n_out = n;
    return TABLLM_OK;
}

static void render(const segment *segs, size_t n, const tl_view *v, size_t table_row, tl_buf *out)
{
    for (size_t k = 0; k < n; k++) {
        if (segs[k].text != NULL) {
            tl_buf_append(out, segs[k].text, segs[k].len);
        } else {
            const tl_cell *c = tl_table_cell(v->table, table_row, v->cols[segs[k].col]);
            tl_buf_append(out, c->text, c->len);
        }
    }
}

tabllm_status tl_encode_template(const tl_view *v, const tabllm_encode_params *p, tl_buf *out)
{
    tabllm_status st = tl_require_verbatim(p, "template");
    if (st != TABLLM_OK)
        return st;
    if (p->template_text == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "template: template_text is NULL");
    segment *segs;
    size_t n;
    if ((st = parse(p->template_text, v, &segs, &n)) != TABLLM_OK)
        return st;
    if (p->row >= 0) {
        render(segs, n, v, (size_t)p->row, out);
    } else {
        for (size_t i = 0; i < v->n_rows; i++) {
            render(segs, n, v, v->rows[i], out);
            tl_buf_putc(out, '\n');
        }
    }
    tl_free(segs);
    return tl_buf_status(out);
}
