/* The standard forms of Table Meets LLM's layouts: the same families as
 * TableProvider's markdown_grid, xml, latex and nl_sep, without the defects
 * of its code (numbers re-printed by tabulate, unescaped XML and LaTeX,
 * pandas' 50-character cut and index column, column-major order only for
 * square tables, no separator after the name in column-major nl_sep). Cells
 * are printed as written. Partition marks print the parts that are given;
 * there is no end prompt and no grammar preamble (use the tp-* encodings
 * for the paper's exact prompts). */
#include <string.h>

#include "base/alloc.h"
#include "table/formats/formats.h"
#include "table/formats/frame.h"
#include "table/formats/pynum.h"
#include "table/formats/pystr.h"
#include "table/formats/tabulate.h"

typedef struct std_data {
    tl_frame frame;
    tl_arena arena;
    size_t n_rows, n_cols;
    const char **names;
    size_t *name_lens;
    const char **cells; /* row-major */
    size_t *lens;
    bool *numeric; /* per column: every non-empty cell a number */
} std_data;

static void std_free(std_data *d)
{
    tl_frame_free(&d->frame);
    tl_arena_free(&d->arena);
}

static tabllm_status std_load(std_data *d, const char *format, const tl_view *view,
                              const tabllm_encode_params *params)
{
    memset(d, 0, sizeof *d);
    if (params->flags & TABLLM_ENCODE_GRAMMAR)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: grammar preambles belong to the Table Meets LLM prompts; use "
                        "tp-%s",
                        format, format);
    bool pandas;
    tabllm_status st = tl_cells_pandas(params, false, &pandas);
    if (st != TABLLM_OK || (st = tl_frame_build(view, pandas, -1, &d->frame)) != TABLLM_OK)
        return st;
    d->n_rows = d->frame.n_rows;
    d->n_cols = d->frame.n_cols;
    d->names = d->frame.names;
    d->name_lens = d->frame.name_lens;
    size_t n = d->n_rows * d->n_cols;
    d->cells = tl_arena_alloc(&d->arena, (n + 1) * sizeof *d->cells);
    d->lens = tl_arena_alloc(&d->arena, (n + 1) * sizeof *d->lens);
    d->numeric = tl_arena_alloc(&d->arena, (d->n_cols + 1) * sizeof *d->numeric);
    if (!d->cells || !d->lens || !d->numeric) {
        std_free(d);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    tl_buf tmp = TL_BUF_INIT;
    for (size_t i = 0; i < n && st == TABLLM_OK; i++) {
        const tl_pyval *v = &d->frame.cells[i];
        if (v->kind == TL_PY_STR) {
            d->cells[i] = v->s;
            d->lens[i] = v->len;
            continue;
        }
        tl_buf_truncate(&tmp, 0);
        tl_pyval_str(&tmp, v);
        if ((st = tl_buf_status(&tmp)) != TABLLM_OK)
            break;
        char *copy = tl_arena_strndup(&d->arena, tmp.data, tmp.len);
        if (copy == NULL)
            st = TABLLM_ERR_OUT_OF_MEMORY;
        d->cells[i] = copy;
        d->lens[i] = tmp.len;
    }
    tl_buf_free(&tmp);
    for (size_t c = 0; c < d->n_cols && st == TABLLM_OK; c++) {
        bool numeric = d->n_rows > 0;
        for (size_t r = 0; r < d->n_rows && numeric; r++) {
            size_t i = r * d->n_cols + c;
            double v;
            if (d->lens[i] == 0)
                continue;
            int ok = tl_py_parse_float(d->cells[i], d->lens[i], &v);
            if (ok < 0)
                st = TABLLM_ERR_OUT_OF_MEMORY;
            numeric = ok == 1;
        }
        d->numeric[c] = numeric;
    }
    if (st != TABLLM_OK)
        std_free(d);
    return st;
}

/* Title, context and caption: with marks under <title>/<context>/<caption>,
 * else one per line; parts not given are left out. */
static void put_parts(tl_buf *out, const tabllm_encode_params *params)
{
    const char *parts[3] = {params->title, params->context, params->caption};
    const char *marks[3] = {"<title>\n", "<context>\n", "<caption>\n"};
    for (int i = 0; i < 3; i++) {
        if (parts[i] == NULL || parts[i][0] == '\0')
            continue;
        if (params->flags & TABLLM_ENCODE_PARTITION_MARKS)
            tl_buf_puts(out, marks[i]);
        tl_buf_puts(out, parts[i]);
        tl_buf_putc(out, '\n');
    }
}

static bool column_major(const tabllm_encode_params *params)
{
    return (params->flags & TABLLM_ENCODE_COLUMN_MAJOR) != 0;
}

tabllm_status tl_encode_markdown_grid(const tl_view *view, const tabllm_encode_params *params,
                                      tl_buf *out)
{
    std_data d;
    tabllm_status st = std_load(&d, "markdown-grid", view, params);
    if (st != TABLLM_OK)
        return st;
    put_parts(out, params);
    tl_tabulate_input in;
    memset(&in, 0, sizeof in);
    in.verbatim = true;
    if (!column_major(params)) {
        in.n_rows = d.n_rows;
        in.n_cols = d.n_cols;
        in.cells = d.cells;
        in.lens = d.lens;
        in.headers = d.names;
        in.header_lens = d.name_lens;
        st = tl_tabulate(out, &in, TL_TABULATE_GRID);
    } else {
        /* one row per column: its name, then its values; no header row */
        size_t nc = d.n_rows + 1, n = d.n_cols * nc;
        const char **cells = tl_arena_alloc(&d.arena, (n + 1) * sizeof *cells);
        size_t *lens = tl_arena_alloc(&d.arena, (n + 1) * sizeof *lens);
        if (cells == NULL || lens == NULL) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
        } else {
            for (size_t c = 0; c < d.n_cols; c++) {
                cells[c * nc] = d.names[c];
                lens[c * nc] = d.name_lens[c];
                for (size_t r = 0; r < d.n_rows; r++) {
                    cells[c * nc + r + 1] = d.cells[r * d.n_cols + c];
                    lens[c * nc + r + 1] = d.lens[r * d.n_cols + c];
                }
            }
            in.n_rows = d.n_cols;
            in.n_cols = nc;
            in.cells = cells;
            in.lens = lens;
            st = tl_tabulate(out, &in, TL_TABULATE_GRID);
        }
    }
    std_free(&d);
    return st == TABLLM_OK ? tl_buf_status(out) : st;
}

static void xml_escape(tl_buf *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '&': esc = "&amp;"; break;
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&apos;"; break;
        default: break;
        }
        if (esc == NULL)
            continue;
        tl_buf_append(out, s + start, i - start);
        tl_buf_puts(out, esc);
        start = i + 1;
    }
    tl_buf_append(out, s + start, len - start);
}

tabllm_status tl_encode_xml(const tl_view *view, const tabllm_encode_params *params,
                            tl_buf *out)
{
    std_data d;
    tabllm_status st = std_load(&d, "xml", view, params);
    if (st != TABLLM_OK)
        return st;
    put_parts(out, params);
    if (!column_major(params)) {
        for (size_t r = 0; r < d.n_rows; r++) {
            tl_buf_puts(out, "<item>\n");
            for (size_t c = 0; c < d.n_cols; c++) {
                tl_buf_puts(out, "  <field name=\"");
                xml_escape(out, d.names[c], d.name_lens[c]);
                tl_buf_puts(out, "\">");
                xml_escape(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
                tl_buf_puts(out, "</field>\n");
            }
            tl_buf_puts(out, "</item>\n");
        }
    } else {
        for (size_t c = 0; c < d.n_cols; c++) {
            tl_buf_puts(out, "<column name=\"");
            xml_escape(out, d.names[c], d.name_lens[c]);
            tl_buf_puts(out, "\">\n");
            for (size_t r = 0; r < d.n_rows; r++) {
                tl_buf_puts(out, "  <value>");
                xml_escape(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
                tl_buf_puts(out, "</value>\n");
            }
            tl_buf_puts(out, "</column>\n");
        }
    }
    st = tl_buf_status(out);
    std_free(&d);
    return st;
}

static void latex_escape(tl_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '\\': tl_buf_puts(out, "\\textbackslash{}"); break;
        case '~': tl_buf_puts(out, "\\textasciitilde{}"); break;
        case '^': tl_buf_puts(out, "\\textasciicircum{}"); break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            tl_buf_putc(out, '\\');
            tl_buf_putc(out, s[i]);
            break;
        case '\n': case '\r': tl_buf_putc(out, ' '); break;
        default: tl_buf_putc(out, s[i]); break;
        }
    }
}

tabllm_status tl_encode_latex(const tl_view *view, const tabllm_encode_params *params,
                              tl_buf *out)
{
    std_data d;
    tabllm_status st = std_load(&d, "latex", view, params);
    if (st != TABLLM_OK)
        return st;
    put_parts(out, params);
    bool cm = column_major(params);
    tl_buf_puts(out, "\\begin{tabular}{");
    if (cm) {
        for (size_t i = 0; i <= d.n_rows; i++)
            tl_buf_putc(out, 'l');
    } else {
        for (size_t c = 0; c < d.n_cols; c++)
            tl_buf_putc(out, d.numeric[c] ? 'r' : 'l');
    }
    tl_buf_puts(out, "}\n\\toprule\n");
    if (!cm) {
        for (size_t c = 0; c < d.n_cols; c++) {
            if (c > 0)
                tl_buf_puts(out, " & ");
            latex_escape(out, d.names[c], d.name_lens[c]);
        }
        tl_buf_puts(out, " \\\\\n\\midrule\n");
        for (size_t r = 0; r < d.n_rows; r++) {
            for (size_t c = 0; c < d.n_cols; c++) {
                if (c > 0)
                    tl_buf_puts(out, " & ");
                latex_escape(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
            }
            tl_buf_puts(out, " \\\\\n");
        }
    } else {
        for (size_t c = 0; c < d.n_cols; c++) {
            latex_escape(out, d.names[c], d.name_lens[c]);
            for (size_t r = 0; r < d.n_rows; r++) {
                tl_buf_puts(out, " & ");
                latex_escape(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
            }
            tl_buf_puts(out, " \\\\\n");
        }
    }
    tl_buf_puts(out, "\\bottomrule\n\\end{tabular}\n");
    st = tl_buf_status(out);
    std_free(&d);
    return st;
}

tabllm_status tl_encode_nl_sep(const tl_view *view, const tabllm_encode_params *params,
                               tl_buf *out)
{
    std_data d;
    tabllm_status st = std_load(&d, "nl-sep", view, params);
    if (st != TABLLM_OK)
        return st;
    put_parts(out, params);
    if (!column_major(params)) {
        for (size_t c = 0; c < d.n_cols; c++) {
            if (c > 0)
                tl_buf_putc(out, '|');
            tl_buf_append(out, d.names[c], d.name_lens[c]);
        }
        tl_buf_putc(out, '\n');
        for (size_t r = 0; r < d.n_rows; r++) {
            for (size_t c = 0; c < d.n_cols; c++) {
                if (c > 0)
                    tl_buf_putc(out, '|');
                tl_buf_append(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
            }
            tl_buf_putc(out, '\n');
        }
    } else {
        for (size_t c = 0; c < d.n_cols; c++) {
            tl_buf_append(out, d.names[c], d.name_lens[c]);
            for (size_t r = 0; r < d.n_rows; r++) {
                tl_buf_putc(out, '|');
                tl_buf_append(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
            }
            tl_buf_putc(out, '\n');
        }
    }
    st = tl_buf_status(out);
    std_free(&d);
    return st;
}
