#include "table/formats/pdlatex.h"

#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "table/formats/pdhtml.h"
#include "table/formats/pystr.h"

typedef struct lstr {
    const char *s;
    size_t len;
    size_t width; /* characters */
} lstr;

static lstr store(tl_arena *a, tl_buf *b, tabllm_status *st)
{
    lstr r = {"", 0, 0};
    if (*st != TABLLM_OK)
        return r;
    if (tl_buf_status(b) != TABLLM_OK) {
        *st = tl_buf_status(b);
        return r;
    }
    char *copy = tl_arena_strndup(a, b->data ? b->data : "", b->len);
    if (copy == NULL) {
        *st = TABLLM_ERR_OUT_OF_MEMORY;
        return r;
    }
    r.s = copy;
    r.len = b->len;
    r.width = tl_py_len(copy, b->len);
    tl_buf_truncate(b, 0);
    return r;
}

/* Byte offset of character `n` in s. */
static size_t char_offset(const char *s, size_t len, size_t n)
{
    size_t i = 0;
    for (size_t k = 0; k < n && i < len; k++) {
        uint32_t cp;
        i += tl_py_next(s + i, len - i, &cp);
    }
    return i;
}

/* format.py _make_fixed_width(strings, justify, minimum) with the default
 * display.max_colwidth of 50. */
static void make_fixed_width(tl_arena *a, tl_buf *tmp, lstr *v, size_t n, size_t minimum,
                             char justify, tabllm_status *st)
{
    if (n == 0)
        return;
    size_t max_len = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].width > max_len)
            max_len = v[i].width;
    if (minimum > max_len)
        max_len = minimum;
    if (max_len > TL_PD_MAX_COLWIDTH)
        max_len = TL_PD_MAX_COLWIDTH;
    for (size_t i = 0; i < n; i++) {
        if (v[i].width > max_len) {
            tl_buf_append(tmp, v[i].s, char_offset(v[i].s, v[i].len, max_len - 3));
            tl_buf_puts(tmp, "...");
            v[i] = store(a, tmp, st);
        }
        tl_py_pad(tmp, v[i].s, v[i].len, max_len, justify);
        v[i] = store(a, tmp, st);
    }
}

/* latex.py _escape_symbols for one cell. */
static void put_escaped(tl_buf *out, lstr x)
{
    if (x.len == 0 || (x.len == 2 && memcmp(x.s, "{}", 2) == 0)) {
        tl_buf_puts(out, "{}");
        return;
    }
    for (size_t i = 0; i < x.len; i++) {
        switch (x.s[i]) {
        case '\\': tl_buf_puts(out, "\\textbackslash "); break;
        case '_': tl_buf_puts(out, "\\_"); break;
        case '%': tl_buf_puts(out, "\\%"); break;
        case '$': tl_buf_puts(out, "\\$"); break;
        case '#': tl_buf_puts(out, "\\#"); break;
        case '{': tl_buf_puts(out, "\\{"); break;
        case '}': tl_buf_puts(out, "\\}"); break;
        case '~': tl_buf_puts(out, "\\textasciitilde "); break;
        case '^': tl_buf_puts(out, "\\textasciicircum "); break;
        case '&': tl_buf_puts(out, "\\&"); break;
        default: tl_buf_putc(out, x.s[i]); break;
        }
    }
}

tabllm_status tl_pdlatex(tl_buf *out, const char *const *names, const size_t *name_lens,
                         size_t n_cols, const char *const *cells, const size_t *lens,
                         size_t n_rows)
{
    tl_arena a = TL_ARENA_INIT;
    tl_buf tmp = TL_BUF_INIT;
    tabllm_status st = TABLLM_OK;
    size_t ncol_all = n_cols + 1;
    size_t nrow_all = n_rows + 1;
    size_t total;
    if (!tl_size_mul(ncol_all, nrow_all, &total) || total > SIZE_MAX / sizeof(lstr))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "table too large for to_latex");
    /* strcols: column-major, [header, values...] per column, index first */
    lstr *grid = tl_arena_alloc(&a, total * sizeof *grid);
    if (grid == NULL) {
        tl_arena_free(&a);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }

    /* The index: RangeIndex.format() left-justified, an empty header cell. */
    lstr *idx = grid;
    idx[0].s = "";
    idx[0].len = idx[0].width = 0;
    for (size_t r = 0; r < n_rows; r++) {
        tl_buf_printf(&tmp, "%zu", r);
        idx[r + 1] = store(&a, &tmp, &st);
    }
    make_fixed_width(&a, &tmp, idx + 1, n_rows, 0, '<', &st);

    for (size_t c = 0; c < n_cols && st == TABLLM_OK; c++) {
        lstr *col = grid + (c + 1) * nrow_all;
        /* the header, as Index.format() prints it (tabs and newlines escaped) */
        tl_pd_escape_tabs(&tmp, names[c], name_lens[c]);
        lstr header = store(&a, &tmp, &st);
        for (size_t r = 0; r < n_rows; r++) {
            tl_buf_putc(&tmp, ' '); /* GenericArrayFormatter's leading space */
            tl_pd_escape_tabs(&tmp, cells[r * n_cols + c], lens[r * n_cols + c]);
            col[r + 1] = store(&a, &tmp, &st);
        }
        make_fixed_width(&a, &tmp, col + 1, n_rows, 0, '>', &st);
        make_fixed_width(&a, &tmp, col + 1, n_rows, header.width, '>', &st);
        size_t max_len = header.width;
        for (size_t r = 0; r < n_rows; r++)
            if (col[r + 1].width > max_len)
                max_len = col[r + 1].width;
        tl_py_pad(&tmp, header.s, header.len, max_len, '>');
        col[0] = store(&a, &tmp, &st);
    }

    if (st == TABLLM_OK) {
        tl_buf_puts(out, "\\begin{tabular}{");
        for (size_t c = 0; c < ncol_all; c++)
            tl_buf_putc(out, 'l');
        tl_buf_puts(out, "}\n\\toprule\n");
        for (size_t r = 0; r < nrow_all; r++) {
            if (r == 1)
                tl_buf_puts(out, "\\midrule\n");
            for (size_t c = 0; c < ncol_all; c++) {
                if (c > 0)
                    tl_buf_puts(out, " & ");
                put_escaped(out, grid[c * nrow_all + r]);
            }
            tl_buf_puts(out, " \\\\\n");
        }
        tl_buf_puts(out, "\\bottomrule\n\\end{tabular}\n");
        st = tl_buf_status(out);
    }
    tl_buf_free(&tmp);
    tl_arena_free(&a);
    return st;
}
