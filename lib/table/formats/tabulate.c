/* python-tabulate's tabulate() (tabulate.py: _normalize_tabular_data is the
 * caller's job; this is _column_type, _format, _align_column, _align_header
 * and _format_table) for string cells. Comments name the Python function
 * each step follows. */
#include "table/formats/tabulate.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "table/formats/pynum.h"
#include "table/formats/pystr.h"

typedef struct tstr {
    const char *s;
    size_t len;
} tstr;

/* _more_generic ranks */
enum { TY_BOOL = 1, TY_INT = 2, TY_FLOAT = 3, TY_TEXT = 5 };
enum { AL_LEFT, AL_DECIMAL, AL_NONE };

typedef struct tab_state {
    tl_arena arena;
    tabllm_status st;
} tab_state;

static tstr dup_str(tab_state *ts, const char *s, size_t len)
{
    tstr r = {"", 0};
    if (ts->st != TABLLM_OK)
        return r;
    char *copy = tl_arena_strndup(&ts->arena, s, len);
    if (copy == NULL) {
        ts->st = TABLLM_ERR_OUT_OF_MEMORY;
        return r;
    }
    r.s = copy;
    r.len = len;
    return r;
}

static tstr from_buf(tab_state *ts, tl_buf *b)
{
    if (tl_buf_status(b) != TABLLM_OK) {
        if (ts->st == TABLLM_OK)
            ts->st = tl_buf_status(b);
        tstr r = {"", 0};
        return r;
    }
    tstr r = dup_str(ts, b->data ? b->data : "", b->len);
    tl_buf_truncate(b, 0);
    return r;
}

static bool ascii_lower_eq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != word[i])
            return false;
    }
    return true;
}

/* _isnumber: float() accepts it, and an inf/nan value is spelled exactly
 * "inf", "-inf" or "nan" (any case). Returns 1, 0, or -1 on OOM. */
static int is_number(tab_state *ts, const char *s, size_t len, double *value)
{
    double v;
    int r = tl_py_parse_float(s, len, &v);
    if (r < 0) {
        ts->st = TABLLM_ERR_OUT_OF_MEMORY;
        return -1;
    }
    if (r == 0)
        return 0;
    if (value)
        *value = v;
    if (isinf(v) || isnan(v))
        return ascii_lower_eq(s, len, "inf") || ascii_lower_eq(s, len, "-inf") ||
               ascii_lower_eq(s, len, "nan");
    return 1;
}

/* _type */
static int cell_type(tab_state *ts, tstr c)
{
    if ((c.len == 4 && memcmp(c.s, "True", 4) == 0) || (c.len == 5 && memcmp(c.s, "False", 5) == 0))
        return TY_BOOL;
    if (tl_py_is_int(c.s, c.len))
        return TY_INT;
    if (is_number(ts, c.s, c.len, NULL) == 1)
        return TY_FLOAT;
    return TY_TEXT;
}

/* _afterpoint */
static long afterpoint(tab_state *ts, tstr c)
{
    if (is_number(ts, c.s, c.len, NULL) != 1)
        return -1;
    if (tl_py_is_int(c.s, c.len))
        return -1;
    /* string.rfind(".") and, failing that, string.lower().rfind("e"); both
     * count characters, not bytes */
    size_t pos_byte = SIZE_MAX;
    for (size_t i = c.len; i-- > 0;)
        if (c.s[i] == '.') {
            pos_byte = i;
            break;
        }
    if (pos_byte == SIZE_MAX)
        for (size_t i = c.len; i-- > 0;)
            if (c.s[i] == 'e' || c.s[i] == 'E') {
                pos_byte = i;
                break;
            }
    if (pos_byte == SIZE_MAX)
        return -1;
    return (long)tl_py_len(c.s + pos_byte + 1, c.len - pos_byte - 1);
}

/* One line of str.splitlines(): *at advances past it and its break. */
static bool next_line(tstr s, size_t *at, tstr *line)
{
    if (*at >= s.len)
        return false;
    size_t start = *at, i = start;
    while (i < s.len) {
        uint32_t cp;
        size_t k = tl_py_next(s.s + i, s.len - i, &cp);
        if (tl_py_is_linebreak(cp)) {
            line->s = s.s + start;
            line->len = i - start;
            i += k;
            if (cp == '\r' && i < s.len && s.s[i] == '\n')
                i++;
            *at = i;
            return true;
        }
        i += k;
    }
    line->s = s.s + start;
    line->len = s.len - start;
    *at = s.len;
    return true;
}

/* The width of a cell: len(), or for multi-line tables the longest of
 * re.split("[\r\n]", s). */
static size_t cell_width(tstr s, bool multiline)
{
    if (!multiline)
        return tl_py_len(s.s, s.len);
    size_t best = 0, start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i == s.len || s.s[i] == '\r' || s.s[i] == '\n') {
            size_t w = tl_py_len(s.s + start, i - start);
            if (w > best)
                best = w;
            start = i + 1;
        }
    }
    return best;
}

static tstr pad(tab_state *ts, tl_buf *tmp, tstr s, size_t width, char align)
{
    tl_py_pad(tmp, s.s, s.len, width, align);
    return from_buf(ts, tmp);
}

/* _align_column */
static void align_column(tab_state *ts, tl_buf *tmp, tstr *col, size_t n, int align,
                         size_t minwidth, bool multiline, bool verbatim)
{
    if (verbatim) {
        /* cells as written */
    } else if (align == AL_DECIMAL) {
        long maxdec = -1;
        long *decs = tl_arena_alloc(&ts->arena, (n + 1) * sizeof *decs);
        if (decs == NULL) {
            ts->st = TABLLM_ERR_OUT_OF_MEMORY;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            decs[i] = afterpoint(ts, col[i]);
            if (i == 0 || decs[i] > maxdec)
                maxdec = decs[i];
        }
        for (size_t i = 0; i < n; i++) {
            tl_buf_append(tmp, col[i].s, col[i].len);
            for (long k = decs[i]; k < maxdec; k++)
                tl_buf_putc(tmp, ' ');
            col[i] = from_buf(ts, tmp);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            tl_py_strip(&col[i].s, &col[i].len);
    }
    size_t maxwidth = minwidth;
    for (size_t i = 0; i < n; i++) {
        size_t w = cell_width(col[i], multiline);
        if (w > maxwidth)
            maxwidth = w;
    }
    char padc = align == AL_DECIMAL ? '>' : '<';
    for (size_t i = 0; i < n; i++) {
        if (!multiline) {
            col[i] = pad(ts, tmp, col[i], maxwidth, padc);
            continue;
        }
        tl_buf joined = TL_BUF_INIT;
        size_t at = 0;
        tstr line;
        bool first = true;
        while (next_line(col[i], &at, &line)) {
            if (!first)
                tl_buf_putc(&joined, '\n');
            first = false;
            tl_py_pad(&joined, line.s, line.len, maxwidth, padc);
        }
        if (tl_buf_status(&joined) == TABLLM_OK && joined.data == NULL)
            tl_buf_append(&joined, "", 0);
        col[i] = from_buf(ts, &joined);
        tl_buf_free(&joined);
    }
}

/* _align_header */
static tstr align_header(tab_state *ts, tl_buf *tmp, tstr h, int align, size_t width,
                         bool multiline)
{
    char padc = align == AL_DECIMAL ? '>' : '<';
    if (!multiline)
        return pad(ts, tmp, h, width, padc);
    /* re.split(_multiline_codes, header): every \r and every \n splits */
    size_t start = 0;
    for (size_t i = 0; i <= h.len; i++) {
        if (i == h.len || h.s[i] == '\r' || h.s[i] == '\n') {
            if (start > 0)
                tl_buf_putc(tmp, '\n');
            tl_py_pad(tmp, h.s + start, i - start, width, padc);
            start = i + 1;
        }
    }
    return from_buf(ts, tmp);
}

static void pipe_line(tl_buf *out, const size_t *widths, const int *aligns, size_t n)
{
    /* _pipe_line_with_colons */
    tl_buf_putc(out, '|');
    for (size_t c = 0; c < n; c++) {
        size_t w = widths[c];
        if (c > 0)
            tl_buf_putc(out, '|');
        if (aligns[c] == AL_NONE) {
            /* no column types when there are no rows: no colons */
            for (size_t k = 0; k < w; k++)
                tl_buf_putc(out, '-');
        } else if (aligns[c] == AL_DECIMAL) {
            for (size_t k = 1; k < w; k++)
                tl_buf_putc(out, '-');
            tl_buf_putc(out, ':');
        } else {
            tl_buf_putc(out, ':');
            for (size_t k = 1; k < w; k++)
                tl_buf_putc(out, '-');
        }
    }
    tl_buf_putc(out, '|');
}

static void grid_line(tl_buf *out, const size_t *widths, size_t n, char fill)
{
    tl_buf_putc(out, '+');
    for (size_t c = 0; c < n; c++) {
        for (size_t k = 0; k < widths[c]; k++)
            tl_buf_putc(out, fill);
        tl_buf_putc(out, '+');
    }
}

/* _build_simple_row with DataRow("|", "|", "|") and padding 1, rstripped. */
static void data_row(tl_buf *out, const tstr *cells, size_t n)
{
    size_t start = out->len;
    tl_buf_putc(out, '|');
    for (size_t c = 0; c < n; c++) {
        if (c > 0)
            tl_buf_putc(out, '|');
        tl_buf_putc(out, ' ');
        tl_buf_append(out, cells[c].s, cells[c].len);
        tl_buf_putc(out, ' ');
    }
    tl_buf_putc(out, '|');
    if (tl_buf_status(out) == TABLLM_OK) {
        const char *s = out->data + start;
        size_t len = out->len - start;
        tl_py_rstrip(&s, &len);
        tl_buf_truncate(out, start + len);
    }
}

/* _append_multiline_row: the cells' lines side by side. */
static void multiline_row(tab_state *ts, tl_buf *out, bool *first_line, const tstr *cells,
                          size_t n, const size_t *widths)
{
    size_t nlines = 0;
    for (size_t c = 0; c < n; c++) {
        size_t at = 0, k = 0;
        tstr line;
        while (next_line(cells[c], &at, &line))
            k++;
        if (k > nlines)
            nlines = k;
    }
    tstr *row = tl_arena_alloc(&ts->arena, (n + 1) * sizeof *row);
    size_t *at = tl_arena_alloc(&ts->arena, (n + 1) * sizeof *at);
    if (row == NULL || at == NULL) {
        ts->st = TABLLM_ERR_OUT_OF_MEMORY;
        return;
    }
    memset(at, 0, (n + 1) * sizeof *at);
    tl_buf blanks = TL_BUF_INIT;
    for (size_t l = 0; l < nlines; l++) {
        for (size_t c = 0; c < n; c++) {
            tstr line;
            if (next_line(cells[c], &at[c], &line)) {
                row[c] = line;
            } else {
                /* [" " * w] for the missing lines (w = width without padding) */
                tl_buf_truncate(&blanks, 0);
                for (size_t k = 0; k < widths[c]; k++)
                    tl_buf_putc(&blanks, ' ');
                row[c] = from_buf(ts, &blanks);
            }
        }
        if (!*first_line)
            tl_buf_putc(out, '\n');
        *first_line = false;
        data_row(out, row, n);
    }
    tl_buf_free(&blanks);
}

static void put_row(tab_state *ts, tl_buf *out, bool *first_line, const tstr *cells, size_t n,
                    const size_t *widths, bool multiline)
{
    if (multiline) {
        multiline_row(ts, out, first_line, cells, n, widths);
        return;
    }
    if (!*first_line)
        tl_buf_putc(out, '\n');
    *first_line = false;
    data_row(out, cells, n);
}

static bool has_byte(const tl_tabulate_input *in, char byte)
{
    size_t n = in->n_rows * in->n_cols;
    for (size_t i = 0; i < n; i++)
        if (memchr(in->cells[i], byte, in->lens[i]) != NULL)
            return true;
    if (in->headers != NULL)
        for (size_t c = 0; c < in->n_cols; c++)
            if (memchr(in->headers[c], byte, in->header_lens[c]) != NULL)
                return true;
    return false;
}

tabllm_status tl_tabulate(tl_buf *out, const tl_tabulate_input *in, tl_tabulate_format fmt)
{
    size_t nr = in->n_rows, nc = in->n_cols;
    bool headers = in->headers != NULL && nc > 0;
    if (has_byte(in, '\x1b'))
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "a cell holds a terminal escape code (ESC), which tabulate measures "
                        "as invisible; libtabllm does not reproduce that");
    if (nr == 0 && !headers)
        return TABLLM_OK; /* "a completely empty table" */
    bool multiline = has_byte(in, '\n') || has_byte(in, '\r');

    tab_state ts = {TL_ARENA_INIT, TABLLM_OK};
    tl_buf tmp = TL_BUF_INIT;
    size_t n_cells = nr * nc; /* the caller's arrays hold this many */
    tstr *cells = tl_arena_alloc(&ts.arena, (n_cells + 1) * sizeof *cells);
    tstr *col = tl_arena_alloc(&ts.arena, (nr + 1) * sizeof *col);
    tstr *hdr = tl_arena_alloc(&ts.arena, (nc + 1) * sizeof *hdr);
    int *aligns = tl_arena_alloc(&ts.arena, (nc + 1) * sizeof *aligns);
    size_t *widths = tl_arena_alloc(&ts.arena, (nc + 1) * sizeof *widths);
    if (!cells || !col || !hdr || !aligns || !widths) {
        tl_arena_free(&ts.arena);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }

    for (size_t c = 0; c < nc && ts.st == TABLLM_OK; c++) {
        if (nr == 0) {
            /* t_cols = [[""]]; headers left-aligned, the pipe line without colons */
            aligns[c] = AL_NONE;
            widths[c] = headers ? cell_width((tstr){in->headers[c], in->header_lens[c]}, multiline) + 2 : 0;
            continue;
        }
        /* _column_type: reduce(_more_generic, types, bool) */
        int type = TY_BOOL;
        for (size_t r = 0; r < nr; r++) {
            tstr s = {in->cells[r * nc + c], in->lens[r * nc + c]};
            int t = cell_type(&ts, s);
            if (t > type)
                type = t;
            col[r] = s;
        }
        /* _format */
        if (type == TY_FLOAT && !in->verbatim) {
            for (size_t r = 0; r < nr && ts.st == TABLLM_OK; r++) {
                double v;
                int isnum = tl_py_parse_float(col[r].s, col[r].len, &v);
                if (isnum < 0) {
                    ts.st = TABLLM_ERR_OUT_OF_MEMORY;
                    break;
                }
                if (isnum == 0) {
                    ts.st = tl_error(TABLLM_ERR_UNSUPPORTED,
                                     "column %zu is numeric but holds \"%.*s\": tabulate raises "
                                     "ValueError on it (float(...)), so the authors' code "
                                     "fails on this table",
                                     c, (int)(col[r].len > 40 ? 40 : col[r].len), col[r].s);
                    break;
                }
                char g[TL_PY_FLOAT_BUF];
                col[r] = dup_str(&ts, g, tl_py_float_g(v, g));
            }
        }
        aligns[c] = (type == TY_INT || type == TY_FLOAT) ? AL_DECIMAL : AL_LEFT;
        size_t minwidth = 0;
        if (headers)
            minwidth = cell_width((tstr){in->headers[c], in->header_lens[c]}, multiline) + 2;
        align_column(&ts, &tmp, col, nr, aligns[c], minwidth, multiline, in->verbatim);
        size_t w = 0;
        for (size_t r = 0; r < nr; r++) {
            cells[r * nc + c] = col[r];
            size_t cw = cell_width(col[r], multiline);
            if (cw > w)
                w = cw;
        }
        widths[c] = w > minwidth ? w : minwidth;
    }
    if (headers)
        for (size_t c = 0; c < nc && ts.st == TABLLM_OK; c++)
            hdr[c] = align_header(&ts, &tmp, (tstr){in->headers[c], in->header_lens[c]},
                                  aligns[c], widths[c], multiline);

    /* _format_table, padding 1 */
    size_t *padded = tl_arena_alloc(&ts.arena, (nc + 1) * sizeof *padded);
    if (padded == NULL && ts.st == TABLLM_OK)
        ts.st = TABLLM_ERR_OUT_OF_MEMORY;
    if (ts.st == TABLLM_OK) {
        for (size_t c = 0; c < nc; c++)
            padded[c] = widths[c] + 2;
        bool first = true;
        if (fmt == TL_TABULATE_PIPE) {
            if (!headers) {
                pipe_line(out, padded, aligns, nc);
                first = false;
            } else {
                put_row(&ts, out, &first, hdr, nc, widths, multiline);
                tl_buf_putc(out, '\n');
                pipe_line(out, padded, aligns, nc);
            }
            for (size_t r = 0; r < nr; r++)
                put_row(&ts, out, &first, cells + r * nc, nc, widths, multiline);
        } else {
            grid_line(out, padded, nc, '-');
            first = false;
            if (headers) {
                put_row(&ts, out, &first, hdr, nc, widths, multiline);
                tl_buf_putc(out, '\n');
                grid_line(out, padded, nc, '=');
            }
            for (size_t r = 0; r < nr; r++) {
                put_row(&ts, out, &first, cells + r * nc, nc, widths, multiline);
                tl_buf_putc(out, '\n');
                grid_line(out, padded, nc, '-');
            }
            if (nr == 0) {
                tl_buf_putc(out, '\n');
                grid_line(out, padded, nc, '-');
            }
        }
    }
    tabllm_status st = ts.st != TABLLM_OK ? ts.st : tl_buf_status(&tmp);
    if (st == TABLLM_OK)
        st = tl_buf_status(out);
    tl_buf_free(&tmp);
    tl_arena_free(&ts.arena);
    return st;
}
