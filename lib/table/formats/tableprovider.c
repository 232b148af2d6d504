/* Table Meets LLM: microsoft/TableProvider
 * table_meets_llm/utils/structured_data_linearize.py (StructuredDataLinearize)
 * at f4d10fc, on the dict {"title", "context", "table": {"header", "rows",
 * "caption"}} with str cells. Every format ends "\nThe answer is " except
 * json; the grammar strings are the code's, typos and "\b" included. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "table/formats/formats.h"
#include "table/formats/frame.h"
#include "table/formats/pdhtml.h"
#include "table/formats/pdlatex.h"
#include "table/formats/pystr.h"
#include "table/formats/tabulate.h"

static const char END_PROMPT[] = "\nThe answer is ";

static const char GRAMMAR_MARKDOWN[] =
    "<Markdown grammar>\n"
    " To add a table, use three or more hyphens (---) to create each column\xe2\x80\x99"
    "s header, and use pipes (|) to separate each column, every cell is separated by pipe \n";
static const char GRAMMAR_GRID[] =
    "<Markdown grammar>\n"
    " To add a table, use three or more hyphens (---) to create each column\xe2\x80\x99"
    "s header, and use pipes (|) to separate each column, every cell is separated by pipe \n"
    "Grid is like tables formatted by Emacs' table.el package. It corresponds to grid_tables "
    "in Pandoc Markdown extensions\n";
static const char GRAMMAR_XML[] = "<XML grammar>\n"
                                  " <?xml version='1.0' encoding='utf-8'?>\n"
                                  "<data>\n"
                                  "  <row>\n"
                                  "    <index>0</index>\n"
                                  "    <column_1>2</<column_1>>\n"
                                  "  </row>\n"
                                  "  <row>\n"
                                  "    <index>1</index>\n"
                                  "    <column_2>4</column_2>\n"
                                  "  </row>\n"
                                  "</data>";
static const char GRAMMAR_HTML[] = "<HTML grammar>\n"
                                   " Each table cell is defined by a <td> and a </td> tag.\n"
                                   " Each table row starts with a <tr> and ends with a </tr> tag.\n"
                                   " th stands for table header.\n";
static const char GRAMMAR_JSON[] =
    "<JSON grammer>\n"
    " JSON is built of a collection of name/value pairs. Each pair is key-value\n";
/* "\begin" in a Python string is a backspace and "egin". */
static const char GRAMMAR_LATEX[] =
    "<Latex grammar>\n"
    " \x08"
    "egin{tabular} starts the table environment and the curly braces denote the alignment of "
    "the columns.\n"
    " |c|c|c| means that the table has three columns and each column is center-aligned.\n"
    " \\hline creates a horizontal line.\n"
    " The text in between the & symbols is the content of the cells.\n"
    " '\\' is used to end a row.\n"
    " \\end{tabular} ends the table environment.\n";
static const char GRAMMAR_NL_SEP[] =
    "<Grammar>\n"
    " Each table cell is separated by | , the column idx starts from 0, .\n";

/* The structured_data_dict as the linearizer sees it: names and str cells. */
typedef struct tp_data {
    const char *format;
    size_t n_rows, n_cols;
    const char **names;
    size_t *name_lens;
    const char **cells; /* row-major */
    size_t *lens;
    tl_frame frame;
    tl_arena arena;
} tp_data;

static void tp_free(tp_data *d)
{
    tl_frame_free(&d->frame);
    tl_arena_free(&d->arena);
}

static tabllm_status tp_load(tp_data *d, const char *format, const tl_view *view,
                             const tabllm_encode_params *params)
{
    memset(d, 0, sizeof *d);
    d->format = format;
    bool pandas;
    tabllm_status st = tl_cells_pandas(params, false, &pandas);
    if (st != TABLLM_OK)
        return st;
    if ((st = tl_frame_build(view, pandas, -1, &d->frame)) != TABLLM_OK)
        return st;
    d->n_rows = d->frame.n_rows;
    d->n_cols = d->frame.n_cols;
    if (d->n_cols == 0) {
        tp_free(d);
        return tl_error(TABLLM_ERR_TABLE_SHAPE, "%s: the table has no columns", format);
    }
    size_t n = d->n_rows * d->n_cols; /* fits: the frame holds as many cells */
    d->names = d->frame.names;
    d->name_lens = d->frame.name_lens;
    d->cells = tl_arena_alloc(&d->arena, (n + 1) * sizeof *d->cells);
    d->lens = tl_arena_alloc(&d->arena, (n + 1) * sizeof *d->lens);
    if (d->cells == NULL || d->lens == NULL) {
        tp_free(d);
        return TABLLM_ERR_OUT_OF_MEMORY;
    }
    tl_buf tmp = TL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const tl_pyval *v = &d->frame.cells[i];
        if (v->kind == TL_PY_STR) {
            d->cells[i] = v->s;
            d->lens[i] = v->len;
            continue;
        }
        tl_buf_truncate(&tmp, 0);
        tl_pyval_str(&tmp, v);
        char *copy = tl_buf_status(&tmp) == TABLLM_OK
                         ? tl_arena_strndup(&d->arena, tmp.data, tmp.len)
                         : NULL;
        if (copy == NULL) {
            st = tl_buf_status(&tmp) != TABLLM_OK ? tl_buf_status(&tmp) : TABLLM_ERR_OUT_OF_MEMORY;
            tl_buf_free(&tmp);
            tp_free(d);
            return st;
        }
        d->cells[i] = copy;
        d->lens[i] = tmp.len;
    }
    tl_buf_free(&tmp);
    return TABLLM_OK;
}

static const char *opt(const char *s)
{
    return s ? s : "";
}

/* additional_knowledge, as every format but html builds it. */
static void put_knowledge(tl_buf *out, const tabllm_encode_params *params)
{
    if (params->flags & TABLLM_ENCODE_PARTITION_MARKS) {
        tl_buf_puts(out, "<title>\n");
        tl_buf_puts(out, opt(params->title));
        tl_buf_puts(out, "\n<context>\n");
        tl_buf_puts(out, opt(params->context));
        tl_buf_puts(out, "\n<caption>\n");
        tl_buf_puts(out, opt(params->caption));
        tl_buf_putc(out, '\n');
    } else {
        tl_buf_puts(out, opt(params->title));
        tl_buf_putc(out, '\n');
        tl_buf_puts(out, opt(params->context));
        tl_buf_putc(out, '\n');
        tl_buf_puts(out, opt(params->caption));
        tl_buf_putc(out, '\n');
    }
}

static bool column_major(const tabllm_encode_params *params)
{
    return (params->flags & TABLLM_ENCODE_COLUMN_MAJOR) != 0;
}

static bool grammar(const tabllm_encode_params *params)
{
    return (params->flags & TABLLM_ENCODE_GRAMMAR) != 0;
}

/* pd.DataFrame(np.array(rows).T, columns=header) raises unless the table
 * is square. */
static tabllm_status need_square(const tp_data *d)
{
    if (d->n_rows == d->n_cols)
        return TABLLM_OK;
    return tl_error(TABLLM_ERR_TABLE_SHAPE,
                    "%s: column-major order needs a square table, this one has %zu rows and %zu "
                    "columns (TableProvider's code raises ValueError here)",
                    d->format, d->n_rows, d->n_cols);
}

static tabllm_status need_rows(const tp_data *d, const char *python_error)
{
    if (d->n_rows > 0)
        return TABLLM_OK;
    return tl_error(TABLLM_ERR_TABLE_SHAPE,
                    "%s: the table has no rows (TableProvider's code raises %s here)", d->format,
                    python_error);
}

/* The transposed cells: row i holds column i. */
static tabllm_status transpose(tp_data *d)
{
    size_t n = d->n_rows * d->n_cols;
    const char **cells = tl_arena_alloc(&d->arena, (n + 1) * sizeof *cells);
    size_t *lens = tl_arena_alloc(&d->arena, (n + 1) * sizeof *lens);
    if (cells == NULL || lens == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    for (size_t r = 0; r < d->n_rows; r++)
        for (size_t c = 0; c < d->n_cols; c++) {
            cells[c * d->n_rows + r] = d->cells[r * d->n_cols + c];
            lens[c * d->n_rows + r] = d->lens[r * d->n_cols + c];
        }
    d->cells = cells;
    d->lens = lens;
    size_t t = d->n_rows;
    d->n_rows = d->n_cols;
    d->n_cols = t;
    return TABLLM_OK;
}

/* tabulate(df, ..., showindex=True): the index as a first column, labelled
 * by `labels` (NULL: 0, 1, 2, ...). */
static tabllm_status tabulate_indexed(tl_buf *out, tp_data *d, const char **labels,
                                      const size_t *label_lens, const char **headers,
                                      const size_t *header_lens, tl_tabulate_format fmt)
{
    size_t nc = d->n_cols + 1;
    size_t n = d->n_rows * nc;
    const char **cells = tl_arena_alloc(&d->arena, (n + 1) * sizeof *cells);
    size_t *lens = tl_arena_alloc(&d->arena, (n + 1) * sizeof *lens);
    const char **hdr = tl_arena_alloc(&d->arena, (nc + 1) * sizeof *hdr);
    size_t *hdr_lens = tl_arena_alloc(&d->arena, (nc + 1) * sizeof *hdr_lens);
    if (!cells || !lens || !hdr || !hdr_lens)
        return TABLLM_ERR_OUT_OF_MEMORY;
    for (size_t r = 0; r < d->n_rows; r++) {
        if (labels) {
            cells[r * nc] = labels[r];
            lens[r * nc] = label_lens[r];
        } else {
            char num[24];
            int k = snprintf(num, sizeof num, "%zu", r);
            char *copy = tl_arena_strndup(&d->arena, num, (size_t)k);
            if (copy == NULL)
                return TABLLM_ERR_OUT_OF_MEMORY;
            cells[r * nc] = copy;
            lens[r * nc] = (size_t)k;
        }
        for (size_t c = 0; c < d->n_cols; c++) {
            cells[r * nc + c + 1] = d->cells[r * d->n_cols + c];
            lens[r * nc + c + 1] = d->lens[r * d->n_cols + c];
        }
    }
    tl_tabulate_input in = {d->n_rows, nc, cells, lens, NULL, NULL};
    if (headers != NULL) {
        if (d->n_rows == 0) {
            /* no rows: the headers are not padded for the index column */
            in.n_cols = d->n_cols;
            in.headers = headers;
            in.header_lens = header_lens;
        } else {
            hdr[0] = "";
            hdr_lens[0] = 0;
            for (size_t c = 0; c < d->n_cols; c++) {
                hdr[c + 1] = headers[c];
                hdr_lens[c + 1] = header_lens[c];
            }
            in.headers = hdr;
            in.header_lens = hdr_lens;
        }
    }
    return tl_tabulate(out, &in, fmt);
}

static tabllm_status finish(tl_buf *out, tabllm_status st)
{
    if (st != TABLLM_OK)
        return st;
    tl_buf_puts(out, END_PROMPT);
    return tl_buf_status(out);
}

tabllm_status tl_encode_tp_markdown(const tl_view *view, const tabllm_encode_params *params,
                                    tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-markdown", view, params);
    if (st != TABLLM_OK)
        return st;
    if (column_major(params) && (st = need_square(&d)) == TABLLM_OK)
        st = transpose(&d);
    if (st == TABLLM_OK) {
        put_knowledge(out, params);
        if (grammar(params))
            tl_buf_puts(out, GRAMMAR_MARKDOWN);
        st = finish(out, tabulate_indexed(out, &d, NULL, NULL, NULL, NULL, TL_TABULATE_PIPE));
    }
    tp_free(&d);
    return st;
}

tabllm_status tl_encode_tp_markdown_grid(const tl_view *view,
                                         const tabllm_encode_params *params, tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-markdown-grid", view, params);
    if (st != TABLLM_OK)
        return st;
    const char **labels = NULL;
    size_t *label_lens = NULL;
    if (column_major(params)) {
        /* pd.DataFrame(np.array(rows).T, index=header), printed as pipe */
        if (d.n_rows == 0)
            st = tl_error(TABLLM_ERR_TABLE_SHAPE,
                          "tp-markdown-grid: column-major order of a table without rows "
                          "(TableProvider's code raises ValueError here)");
        labels = d.names;
        label_lens = d.name_lens;
        if (st == TABLLM_OK)
            st = transpose(&d);
    }
    if (st == TABLLM_OK) {
        put_knowledge(out, params);
        if (grammar(params))
            tl_buf_puts(out, GRAMMAR_GRID);
        if (labels != NULL)
            st = tabulate_indexed(out, &d, labels, label_lens, NULL, NULL, TL_TABULATE_PIPE);
        else
            st = tabulate_indexed(out, &d, NULL, NULL, d.names, d.name_lens, TL_TABULATE_GRID);
        st = finish(out, st);
    }
    tp_free(&d);
    return st;
}

tabllm_status tl_encode_tp_xml(const tl_view *view, const tabllm_encode_params *params,
                               tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-xml", view, params);
    if (st != TABLLM_OK)
        return st;
    /* header[i] = "_".join(header[i].split()) */
    tl_buf tmp = TL_BUF_INIT;
    const char **names = tl_arena_alloc(&d.arena, (d.n_cols + 1) * sizeof *names);
    size_t *lens = tl_arena_alloc(&d.arena, (d.n_cols + 1) * sizeof *lens);
    if (names == NULL || lens == NULL)
        st = TABLLM_ERR_OUT_OF_MEMORY;
    for (size_t c = 0; st == TABLLM_OK && c < d.n_cols; c++) {
        tl_buf_truncate(&tmp, 0);
        const char *s = d.names[c];
        size_t len = d.name_lens[c];
        bool in_word = false, any = false;
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            size_t k = tl_py_next(s + i, len - i, &cp);
            if (tl_py_isspace(cp)) {
                in_word = false;
            } else {
                if (!in_word && any)
                    tl_buf_putc(&tmp, '_');
                tl_buf_append(&tmp, s + i, k);
                in_word = any = true;
            }
            i += k;
        }
        if ((st = tl_buf_status(&tmp)) != TABLLM_OK)
            break;
        names[c] = tl_arena_strndup(&d.arena, tmp.data ? tmp.data : "", tmp.len);
        lens[c] = tmp.len;
        if (names[c] == NULL)
            st = TABLLM_ERR_OUT_OF_MEMORY;
    }
    tl_buf_free(&tmp);
    if (st == TABLLM_OK && column_major(params) && (st = need_square(&d)) == TABLLM_OK)
        st = transpose(&d);
    if (st == TABLLM_OK) {
        put_knowledge(out, params);
        if (grammar(params))
            tl_buf_puts(out, GRAMMAR_XML);
        for (size_t r = 0; r < d.n_rows; r++) {
            if (r > 0)
                tl_buf_putc(out, '\n');
            tl_buf_puts(out, "<item>\n");
            for (size_t c = 0; c < d.n_cols; c++) {
                tl_buf_puts(out, "  <field name=\"");
                tl_buf_append(out, names[c], lens[c]);
                tl_buf_puts(out, "\">");
                tl_buf_append(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
                tl_buf_puts(out, "</field>\n");
            }
            tl_buf_puts(out, "</item>");
        }
        st = finish(out, tl_buf_status(out));
    }
    tp_free(&d);
    return st;
}

tabllm_status tl_encode_tp_html(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-html", view, params);
    if (st != TABLLM_OK)
        return st;
    /* columns = len(rows[0]) comes before anything else can fail */
    st = need_rows(&d, "IndexError");
    size_t rows = d.n_rows, cols = d.n_cols;
    bool header = !(d.n_cols == 1 && d.name_lens[0] == 0);
    if (st == TABLLM_OK && column_major(params) && (st = need_square(&d)) == TABLLM_OK)
        st = transpose(&d);
    if (st == TABLLM_OK) {
        if (params->flags & TABLLM_ENCODE_PARTITION_MARKS) {
            /* x = "<title>\n" + title if title != "" else "", and so on:
             * each part is dropped when empty, then one "\n" if anything. */
            tl_buf k = TL_BUF_INIT;
            if (opt(params->title)[0] != '\0') {
                tl_buf_puts(&k, "<title>\n");
                tl_buf_puts(&k, params->title);
            }
            if (opt(params->context)[0] != '\0') {
                tl_buf_puts(&k, "\n<context>\n");
                tl_buf_puts(&k, params->context);
            }
            if (opt(params->caption)[0] != '\0') {
                tl_buf_puts(&k, "\n<caption>\n");
                tl_buf_puts(&k, params->caption);
            }
            if (k.len > 0) {
                tl_buf_append(out, k.data, k.len);
                tl_buf_putc(out, '\n');
            }
            if (tl_buf_status(&k) != TABLLM_OK && out->status == TABLLM_OK)
                out->status = tl_buf_status(&k);
            tl_buf_free(&k);
        } else {
            put_knowledge(out, params);
        }
        tl_buf_printf(out, "\nThe table has %zu rows and %zu columns \n", rows, cols);
        if (grammar(params))
            tl_buf_puts(out, GRAMMAR_HTML);
        tl_pdhtml_open(out, d.names, d.name_lens, d.n_cols, header);
        tl_buf label = TL_BUF_INIT;
        tl_pyval *row = tl_arena_alloc(&d.arena, (d.n_cols + 1) * sizeof *row);
        if (row == NULL)
            st = TABLLM_ERR_OUT_OF_MEMORY;
        for (size_t r = 0; st == TABLLM_OK && r < d.n_rows; r++) {
            for (size_t c = 0; c < d.n_cols; c++)
                row[c] = tl_pyval_text(d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
            tl_buf_truncate(&label, 0);
            tl_buf_printf(&label, "%zu", r);
            if ((st = tl_buf_status(&label)) == TABLLM_OK)
                tl_pdhtml_row(out, label.data, label.len, row, d.n_cols);
        }
        tl_buf_free(&label);
        tl_pdhtml_end(out);
        st = finish(out, st == TABLLM_OK ? tl_buf_status(out) : st);
    }
    tp_free(&d);
    return st;
}

tabllm_status tl_encode_tp_json(const tl_view *view, const tabllm_encode_params *params,
                                tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-json", view, params);
    if (st != TABLLM_OK)
        return st;
    /* str(structured_data_dict); marks and order do not apply */
    if (grammar(params))
        tl_buf_puts(out, GRAMMAR_JSON);
    tl_buf_puts(out, "{'title': ");
    tl_py_repr_str(out, opt(params->title), strlen(opt(params->title)));
    tl_buf_puts(out, ", 'context': ");
    tl_py_repr_str(out, opt(params->context), strlen(opt(params->context)));
    tl_buf_puts(out, ", 'table': {'header': [");
    for (size_t c = 0; c < d.n_cols; c++) {
        if (c > 0)
            tl_buf_puts(out, ", ");
        tl_py_repr_str(out, d.names[c], d.name_lens[c]);
    }
    tl_buf_puts(out, "], 'rows': [");
    for (size_t r = 0; r < d.n_rows; r++) {
        tl_buf_puts(out, r > 0 ? ", [" : "[");
        for (size_t c = 0; c < d.n_cols; c++) {
            if (c > 0)
                tl_buf_puts(out, ", ");
            tl_py_repr_str(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
        }
        tl_buf_putc(out, ']');
    }
    tl_buf_puts(out, "], 'caption': ");
    tl_py_repr_str(out, opt(params->caption), strlen(opt(params->caption)));
    tl_buf_puts(out, "}}");
    st = tl_buf_status(out);
    tp_free(&d);
    return st;
}

tabllm_status tl_encode_tp_latex(const tl_view *view, const tabllm_encode_params *params,
                                 tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-latex", view, params);
    if (st != TABLLM_OK)
        return st;
    if (column_major(params) && (st = need_square(&d)) == TABLLM_OK)
        st = transpose(&d);
    if (st == TABLLM_OK && d.n_rows == 0)
        st = tl_error(TABLLM_ERR_TABLE_SHAPE,
                      "tp-latex: the table has no rows; pandas prints an \"Empty DataFrame\" "
                      "summary there, which libtabllm does not reproduce");
    if (st == TABLLM_OK) {
        put_knowledge(out, params);
        if (grammar(params))
            tl_buf_puts(out, GRAMMAR_LATEX);
        st = finish(out, tl_pdlatex(out, d.names, d.name_lens, d.n_cols, d.cells, d.lens,
                                    d.n_rows));
    }
    tp_free(&d);
    return st;
}

tabllm_status tl_encode_tp_nl_sep(const tl_view *view, const tabllm_encode_params *params,
                                  tl_buf *out)
{
    tp_data d;
    tabllm_status st = tp_load(&d, "tp-nl-sep", view, params);
    if (st != TABLLM_OK)
        return st;
    put_knowledge(out, params);
    if (grammar(params))
        tl_buf_puts(out, GRAMMAR_NL_SEP);
    if (column_major(params)) {
        /* header[i] + "|".join(column i): no separator after the name; a
         * table without rows transposes to nothing */
        for (size_t c = 0; d.n_rows > 0 && c < d.n_cols; c++) {
            tl_buf_append(out, d.names[c], d.name_lens[c]);
            for (size_t r = 0; r < d.n_rows; r++) {
                if (r > 0)
                    tl_buf_putc(out, '|');
                tl_buf_append(out, d.cells[r * d.n_cols + c], d.lens[r * d.n_cols + c]);
            }
            tl_buf_putc(out, '\n');
        }
    } else {
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
    }
    st = finish(out, tl_buf_status(out));
    tp_free(&d);
    return st;
}
