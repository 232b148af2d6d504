/* tabllm_table_encode: checks the params, resolves column names, selects rows
 * and columns, then runs the encoder (through the token budget when one is
 * set). */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/params.h"
#include "base/utf8.h"
#include "table/encode.h"
#include "table/select.h"

static const tabllm_encode_params encode_defaults = {
    .struct_size = sizeof(tabllm_encode_params),
    .encoding = TABLLM_ENCODING_MARKDOWN,
    .cells = TABLLM_CELLS_DEFAULT,
    .json_orient = TABLLM_JSON_RECORDS,
    .row = -1,
    .row_sampling = TABLLM_ROWS_ALL,
    .anchor_k = 4,
};

#define KNOWN_FLAGS                                                                           \
    (TABLLM_ENCODE_PARTITION_MARKS | TABLLM_ENCODE_GRAMMAR | TABLLM_ENCODE_COLUMN_MAJOR |     \
     TABLLM_ENCODE_NO_INVERTED_INDEX | TABLLM_ENCODE_NO_FORMAT_AGGREGATION |                  \
     TABLLM_ENCODE_NO_ANCHORS | TABLLM_ENCODE_NO_HEADER | TABLLM_ENCODE_SHEET_FORMATS)

TABLLM_API tabllm_status tabllm_encode_params_init(tabllm_encode_params *params,
                                                   size_t struct_size)
{
    return tl_params_init(params, struct_size, &encode_defaults, sizeof encode_defaults,
                          "tabllm_encode_params");
}

/* "a, b, c" (at most the first 20) for messages about a missing column. */
static void list_columns(const tabllm_table *t, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < t->n_cols && used + 1 < size; c++) {
        int n = snprintf(buf + used, size - used, c ? ", '%s'" : "'%s'", t->header[c].text);
        if (n < 0)
            break;
        used += (size_t)n;
        if (c == 19 && t->n_cols > 20) {
            snprintf(buf + (used < size ? used : size - 1), size - (used < size ? used : size - 1),
                     ", ...");
            break;
        }
    }
}

static tabllm_status find_column(const tabllm_table *t, const char *what, const char *name,
                                 size_t *out)
{
    if (tl_table_find_column(t, name, out))
        return TABLLM_OK;
    char names[256];
    list_columns(t, names, sizeof names);
    return tl_error(TABLLM_ERR_NOT_FOUND, "%s: no column named '%.100s' (the columns are %s)",
                    what, name, names);
}

/* Texts the caller passes end up in the output, which must be UTF-8. */
static tabllm_status check_text(const char *what, const char *s)
{
    if (s == NULL)
        return TABLLM_OK;
    size_t len = strlen(s), valid = tl_utf8_valid_prefix(s, len);
    if (valid != len)
        return tl_error(TABLLM_ERR_INVALID_UTF8, "%s: invalid UTF-8 at byte offset %zu", what,
                        valid);
    return TABLLM_OK;
}

static tabllm_status check_texts(const tabllm_encode_params *p)
{
    const struct {
        const char *what, *text;
    } texts[] = {{"template_text", p->template_text}, {"title", p->title},
                 {"context", p->context},             {"caption", p->caption},
                 {"question", p->question},           {"annotation", p->annotation}};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        tabllm_status st = check_text(texts[i].what, texts[i].text);
        if (st != TABLLM_OK)
            return st;
    }
    for (size_t i = 0; i < p->n_labels; i++) {
        tabllm_status st = check_text("a label", p->labels[i]);
        if (st != TABLLM_OK)
            return st;
    }
    return TABLLM_OK;
}

static tabllm_status check_params(const tabllm_table *t, const tabllm_encode_params *p)
{
    if (p->flags & ~KNOWN_FLAGS)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown encode flags 0x%x",
                        p->flags & ~KNOWN_FLAGS);
    if (p->cells > TABLLM_CELLS_PANDAS)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown cell rendering %u", p->cells);
    if (p->json_orient > TABLLM_JSON_SPLIT)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown JSON orient %u", p->json_orient);
    if (p->row_sampling > TABLLM_ROWS_RELEVANT)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown row sampling %u", p->row_sampling);
    if (p->prompt_template > 2)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown prompt template %u",
                        p->prompt_template);
    if (p->row < -1 || (p->row >= 0 && (uint64_t)p->row >= t->n_rows))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "row %lld is out of range: the table has %zu "
                        "rows",
                        (long long)p->row, t->n_rows);
    if (p->n_labels > 0 && p->labels == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "n_labels is %zu but labels is NULL",
                        p->n_labels);
    for (size_t i = 0; i < p->n_labels; i++)
        if (p->labels[i] == NULL)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "label %zu is NULL", i);
    if (p->n_rows > 0 && p->rows == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "n_rows is %zu but rows is NULL", p->n_rows);
    for (size_t i = 0; i < p->n_rows; i++)
        if (p->rows[i] >= t->n_rows)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "rows[%zu] = %zu is out of range: the table has %zu rows", i,
                            p->rows[i], t->n_rows);
    if (p->n_columns > 0 && p->columns == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "n_columns is %zu but columns is NULL",
                        p->n_columns);
    for (size_t i = 0; i < p->n_columns; i++)
        if (p->columns[i] == NULL)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "columns[%zu] is NULL", i);
    if (p->row_sampling == TABLLM_ROWS_STRATIFIED && p->stratify_column == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "stratified sampling needs stratify_column");
    if (p->row_sampling == TABLLM_ROWS_RELEVANT && p->question == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "relevant-row sampling needs a question");
    if (p->max_columns > 0 && p->question == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "max_columns keeps the columns most relevant to a question, and there is "
                        "no question");
    if (p->max_tokens > 0 && p->count_tokens == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "max_tokens is %zu but there is no count_tokens function", p->max_tokens);
    return check_texts(p);
}

/* The columns to print: p->columns resolved, or all, then the most relevant
 * max_columns (never dropping the target). */
static tabllm_status choose_columns(const tabllm_table *t, const tabllm_encode_params *p,
                                    size_t **cols_out, size_t *n_out)
{
    size_t n = p->columns ? p->n_columns : t->n_cols;
    size_t *cols;
    tabllm_status st = tl_alloc_array((void **)&cols, n ? n : 1, sizeof *cols, "column list");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < n && st == TABLLM_OK; i++) {
        if (p->columns)
            st = find_column(t, "columns", p->columns[i], &cols[i]);
        else
            cols[i] = i;
    }
    if (st != TABLLM_OK) {
        tl_free(cols);
        return st;
    }
    *cols_out = cols;
    *n_out = n;
    return TABLLM_OK;
}

static tabllm_status encode(const tabllm_table *t, const tabllm_encode_params *p,
                            const tl_encoder *enc, tl_buf *out)
{
    size_t *cols = NULL, *rows = NULL, n_cols = 0, n_rows;
    size_t target = SIZE_MAX, stratify = SIZE_MAX;
    tabllm_status st = TABLLM_OK;
    if (p->target)
        st = find_column(t, "target", p->target, &target);
    if (st == TABLLM_OK && p->row_sampling == TABLLM_ROWS_STRATIFIED)
        st = find_column(t, "stratify_column", p->stratify_column, &stratify);
    if (st == TABLLM_OK)
        st = choose_columns(t, p, &cols, &n_cols);
    n_rows = p->rows ? p->n_rows : t->n_rows;
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&rows, n_rows ? n_rows : 1, sizeof *rows, "row list");
    if (st != TABLLM_OK)
        goto done;
    for (size_t i = 0; i < n_rows; i++)
        rows[i] = p->rows ? p->rows[i] : i;

    st = tl_select_rows(t, p, stratify, cols, n_cols, rows, &n_rows);
    if (st == TABLLM_OK && p->max_columns > 0 && p->max_columns < n_cols)
        st = tl_relevant_columns(t, rows, n_rows, p->question, p->max_columns, target, cols,
                                 &n_cols);
    if (st != TABLLM_OK)
        goto done;

    tl_view view = {t, rows, n_rows, cols, n_cols};
    if (p->max_tokens > 0)
        st = tl_encode_within_budget(enc, &view, p, out);
    else
        st = enc->encode(&view, p, out);
    if (st == TABLLM_OK)
        st = tl_buf_status(out);
done:
    tl_free(cols);
    tl_free(rows);
    return st;
}

TABLLM_API tabllm_status tabllm_table_encode(const tabllm_table *table,
                                             const tabllm_encode_params *params, char **out,
                                             size_t *out_len)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_encode: out is NULL");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (table == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_encode: table is NULL");
    tabllm_encode_params p = encode_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_encode_params");
    if (st != TABLLM_OK)
        return st;
    const tl_encoder *enc = tl_encoder_find((tabllm_encoding)p.encoding);
    if (enc == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "encoding %u is not one this build of libtabllm implements", p.encoding);
    if ((st = check_params(table, &p)) != TABLLM_OK)
        return st;
    tl_buf buf = TL_BUF_INIT;
    st = encode(table, &p, enc, &buf);
    if (st != TABLLM_OK) {
        tl_buf_free(&buf);
        return st;
    }
    *out = tl_buf_detach(&buf, out_len);
    if (*out == NULL)
        return tl_buf_status(&buf) != TABLLM_OK ? tl_buf_status(&buf)
                                                : tl_error_oom("the encoded text");
    return TABLLM_OK;
}
