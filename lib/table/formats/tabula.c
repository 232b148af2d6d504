/* TabuLa-8B: the row serializers of mlfoundations/rtfm
 * (rtfm/serialization/serializers.py) with the default inference
 * configuration: prefix "Predict the {target}:", suffix "What is the value of
 * {target}?", choices before and after the features, "<|endinput|>" at the
 * end. The values are what rtfm's pipeline holds after pd.read_csv and its
 * JSON round trip (rtfm/datasets/data_utils.py): object columns become str
 * (a missing value is the string "nan"), numbers stay numbers. */
#include <string.h>

#include "base/alloc.h"
#include "table/formats/formats.h"
#include "table/formats/frame.h"
#include "table/formats/pdhtml.h"
#include "table/formats/pystr.h"

#define QA_SEP "<|endinput|>"

typedef enum ser_kind {
    SER_V2,
    SER_V1,
    SER_STRUCTURED,
    SER_JSON,
    SER_PDSERIES,
    SER_HTML,
    SER_HTML_NOWS,
} ser_kind;

static const char *const ser_names[] = {
    "tabula", "tabula-v1", "tabula-structured", "tabula-json",
    "tabula-pdseries", "tabula-html", "tabula-html-nows",
};

typedef struct tabula_ctx {
    ser_kind kind;
    tl_frame frame;
    size_t target_col;         /* table column */
    size_t *features;          /* frame columns printed, in order */
    size_t n_features;
    const char **labels;
    size_t *label_lens;
    size_t n_labels;
    tl_buf prefix, suffix, context;
    tl_arena arena;
} tabula_ctx;

/* The value rtfm holds: cast_columns_to_json_serializable turns every value
 * of an object column that is not a str (nan, True) into its str(). */
static tl_pyval rtfm_value(const tl_pyval *v, const tl_pd_column *col)
{
    if (col->dtype != TL_PD_OBJECT || v->kind == TL_PY_STR)
        return *v;
    const char *s = v->kind == TL_PY_NAN ? "nan" : v->v.b ? "True" : "False";
    return tl_pyval_text(s, strlen(s));
}

/* RowSerializer._preprocess_value: str.strip(), then one trailing "." off. */
static tl_pyval preprocess(tl_pyval v)
{
    if (v.kind != TL_PY_STR)
        return v;
    tl_py_strip(&v.s, &v.len);
    if (v.len > 0 && v.s[v.len - 1] == '.')
        v.len--;
    return v;
}

/* Appends s.strip() */
static void put_stripped(tl_buf *b, const char *s, size_t len)
{
    tl_py_strip(&s, &len);
    tl_buf_append(b, s, len);
}

/* " ".join(x.strip() for x in parts if x).strip() (sep " ") or the "" join. */
static void join_parts(tl_buf *b, const tl_buf *parts, size_t n, const char *sep)
{
    tl_buf tmp = TL_BUF_INIT;
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len == 0)
            continue;
        if (!first)
            tl_buf_puts(&tmp, sep);
        first = false;
        put_stripped(&tmp, parts[i].data, parts[i].len);
    }
    if (tl_buf_status(&tmp) != TABLLM_OK) {
        tl_buf_append(b, "", 0);
        if (b->status == TABLLM_OK)
            b->status = tl_buf_status(&tmp);
    } else if (tmp.len > 0) {
        put_stripped(b, tmp.data, tmp.len);
    }
    tl_buf_free(&tmp);
}

static void put_choices(tl_buf *b, const tabula_ctx *c, const char *sep, bool outer_seps)
{
    if (c->n_labels == 0)
        return;
    if (outer_seps)
        tl_buf_puts(b, sep);
    for (size_t i = 0; i < c->n_labels; i++) {
        if (i > 0)
            tl_buf_puts(b, sep);
        tl_buf_append(b, c->labels[i], c->label_lens[i]);
    }
    if (outer_seps)
        tl_buf_puts(b, sep);
}

static tl_pyval feature_value(const tabula_ctx *c, size_t row, size_t f)
{
    size_t col = c->features[f];
    return rtfm_value(tl_frame_cell(&c->frame, row, col), &c->frame.cols[col]);
}

static void put_basic(tl_buf *b, const tabula_ctx *c, size_t row)
{
    bool v2 = c->kind == SER_V2;
    tl_buf parts[6] = {TL_BUF_INIT, TL_BUF_INIT, TL_BUF_INIT,
                       TL_BUF_INIT, TL_BUF_INIT, TL_BUF_INIT};
    tl_buf_append(&parts[0], c->context.data ? c->context.data : "", c->context.len);
    tl_buf_append(&parts[1], c->prefix.data, c->prefix.len);
    put_choices(&parts[2], c, v2 ? "||" : " or ", v2);
    tl_buf kv = TL_BUF_INIT;
    for (size_t f = 0; f < c->n_features; f++) {
        size_t col = c->features[f];
        if (f > 0)
            tl_buf_putc(&kv, ' ');
        tl_buf_puts(&kv, "The ");
        tl_buf_append(&kv, c->frame.names[col], c->frame.name_lens[col]);
        tl_buf_puts(&kv, " is ");
        tl_pyval v = preprocess(feature_value(c, row, f));
        tl_pyval_str(&kv, &v);
        tl_buf_putc(&kv, '.');
    }
    if (kv.len > 0)
        put_stripped(&parts[3], kv.data, kv.len);
    tl_buf_append(&parts[4], c->suffix.data, c->suffix.len);
    put_choices(&parts[5], c, v2 ? "||" : " or ", v2);
    for (size_t i = 0; i < 6; i++)
        if (tl_buf_status(&parts[i]) != TABLLM_OK && b->status == TABLLM_OK)
            b->status = tl_buf_status(&parts[i]);
    if (tl_buf_status(&kv) != TABLLM_OK && b->status == TABLLM_OK)
        b->status = tl_buf_status(&kv);
    join_parts(b, parts, 6, " ");
    for (size_t i = 0; i < 6; i++)
        tl_buf_free(&parts[i]);
    tl_buf_free(&kv);
}

static void put_structured(tl_buf *b, const tabula_ctx *c, size_t row)
{
    tl_buf parts[5] = {TL_BUF_INIT, TL_BUF_INIT, TL_BUF_INIT, TL_BUF_INIT, TL_BUF_INIT};
    tl_buf_puts(&parts[0], "<|PREFIX|>");
    tl_buf_append(&parts[0], c->prefix.data, c->prefix.len);
    tl_buf_puts(&parts[0], "<|/PREFIX|>");
    if (c->n_labels > 0) {
        tl_buf_puts(&parts[1], "<|CHOICES|>");
        put_choices(&parts[1], c, "||", false);
        tl_buf_puts(&parts[1], "<|/CHOICES|>");
    }
    tl_buf_puts(&parts[2], "<|EXAMPLE|>");
    for (size_t f = 0; f < c->n_features; f++) {
        size_t col = c->features[f];
        tl_buf_puts(&parts[2], "<|KEY|>");
        tl_buf_append(&parts[2], c->frame.names[col], c->frame.name_lens[col]);
        tl_buf_puts(&parts[2], "<|/KEY|><|VALUE|>");
        tl_pyval v = feature_value(c, row, f); /* raw: no _preprocess_value here */
        tl_pyval_str(&parts[2], &v);
        tl_buf_puts(&parts[2], "<|/VALUE|>");
    }
    tl_buf_puts(&parts[2], "<|/EXAMPLE|>");
    tl_buf_puts(&parts[3], "<|SUFFIX|>");
    tl_buf_append(&parts[3], c->suffix.data, c->suffix.len);
    tl_buf_puts(&parts[3], "<|/SUFFIX|>");
    tl_buf_append(&parts[4], parts[1].data ? parts[1].data : "", parts[1].len);
    for (size_t i = 0; i < 5; i++)
        if (tl_buf_status(&parts[i]) != TABLLM_OK && b->status == TABLLM_OK)
            b->status = tl_buf_status(&parts[i]);
    join_parts(b, parts, 5, "");
    for (size_t i = 0; i < 5; i++)
        tl_buf_free(&parts[i]);
}

static void put_json(tl_buf *b, const tabula_ctx *c, size_t row)
{
    tl_buf_puts(b, "{\"prefix\": ");
    tl_py_json_str(b, c->prefix.data, c->prefix.len);
    tl_buf_puts(b, ", \"features\": {");
    for (size_t f = 0; f < c->n_features; f++) {
        size_t col = c->features[f];
        if (f > 0)
            tl_buf_puts(b, ", ");
        tl_py_json_str(b, c->frame.names[col], c->frame.name_lens[col]);
        tl_buf_puts(b, ": {\"value\": ");
        tl_pyval v = preprocess(feature_value(c, row, f));
        tl_pyval_json(b, &v);
        tl_buf_putc(b, '}');
    }
    tl_buf_puts(b, "}, \"suffix\": ");
    tl_py_json_str(b, c->suffix.data, c->suffix.len);
    if (c->n_labels > 0) {
        tl_buf_puts(b, ", \"choices\": [");
        for (size_t i = 0; i < c->n_labels; i++) {
            if (i > 0)
                tl_buf_puts(b, ", ");
            tl_py_json_str(b, c->labels[i], c->label_lens[i]);
        }
        tl_buf_putc(b, ']');
    }
    tl_buf_putc(b, '}');
}

static void put_pdseries(tl_buf *b, const tabula_ctx *c, size_t row)
{
    tl_buf_puts(b, "pd.Series({'prefix': ");
    tl_py_repr_str(b, c->prefix.data, c->prefix.len);
    tl_buf_puts(b, ", 'features': {");
    for (size_t f = 0; f < c->n_features; f++) {
        size_t col = c->features[f];
        if (f > 0)
            tl_buf_puts(b, ", ");
        tl_py_repr_str(b, c->frame.names[col], c->frame.name_lens[col]);
        tl_buf_puts(b, ": {'value': ");
        tl_pyval v = preprocess(feature_value(c, row, f));
        tl_pyval_repr(b, &v);
        tl_buf_putc(b, '}');
    }
    tl_buf_puts(b, "}, 'suffix': ");
    tl_py_repr_str(b, c->suffix.data, c->suffix.len);
    if (c->n_labels > 0) {
        tl_buf_puts(b, ", 'choices': ");
        tl_buf choices = TL_BUF_INIT;
        put_choices(&choices, c, " or ", false);
        tl_py_repr_str(b, choices.data ? choices.data : "", choices.len);
        if (tl_buf_status(&choices) != TABLLM_OK && b->status == TABLLM_OK)
            b->status = tl_buf_status(&choices);
        tl_buf_free(&choices);
    }
    tl_buf_puts(b, "})");
}

/* pd.Series(example_dict).to_frame().to_html(): one <tr> per dict entry. */
static void put_html(tl_buf *b, const tabula_ctx *c, size_t row)
{
    tl_buf html = TL_BUF_INIT, cell = TL_BUF_INIT;
    tl_pdhtml_begin(&html, "0");
    tl_pdhtml_row_text(&html, "prefix", c->prefix.data, c->prefix.len);
    /* The features dict goes through pandas' pprint_thing: strings in single
     * quotes with nothing escaped, at most display.max_seq_items entries. */
    tl_buf_putc(&cell, '{');
    size_t shown = c->n_features < TL_PD_MAX_SEQ_ITEMS ? c->n_features : TL_PD_MAX_SEQ_ITEMS;
    for (size_t f = 0; f < shown; f++) {
        size_t col = c->features[f];
        if (f > 0)
            tl_buf_puts(&cell, ", ");
        tl_buf_putc(&cell, '\'');
        tl_buf_append(&cell, c->frame.names[col], c->frame.name_lens[col]);
        tl_buf_puts(&cell, "': {'value': ");
        tl_pyval v = preprocess(feature_value(c, row, f));
        if (v.kind == TL_PY_STR)
            tl_buf_putc(&cell, '\'');
        tl_pyval_str(&cell, &v);
        if (v.kind == TL_PY_STR)
            tl_buf_putc(&cell, '\'');
        tl_buf_putc(&cell, '}');
    }
    if (shown < c->n_features)
        tl_buf_puts(&cell, ", ...");
    tl_buf_putc(&cell, '}');
    tl_pdhtml_row_raw(&html, "features", cell.data, cell.len);
    tl_pdhtml_row_text(&html, "suffix", c->suffix.data, c->suffix.len);
    if (c->n_labels > 0) {
        tl_buf_truncate(&cell, 0);
        put_choices(&cell, c, " or ", false);
        tl_pdhtml_row_text(&html, "choices", cell.data ? cell.data : "", cell.len);
    }
    tl_pdhtml_end(&html);
    if (tl_buf_status(&cell) != TABLLM_OK && html.status == TABLLM_OK)
        html.status = tl_buf_status(&cell);
    if (tl_buf_status(&html) != TABLLM_OK) {
        if (b->status == TABLLM_OK)
            b->status = tl_buf_status(&html);
    } else if (c->kind == SER_HTML_NOWS) {
        tl_pdhtml_strip_whitespace(b, html.data, html.len);
    } else {
        tl_buf_append(b, html.data, html.len);
    }
    tl_buf_free(&html);
    tl_buf_free(&cell);
}

static void tabula_ctx_free(tabula_ctx *c)
{
    tl_frame_free(&c->frame);
    tl_free(c->features);
    tl_buf_free(&c->prefix);
    tl_buf_free(&c->suffix);
    tl_buf_free(&c->context);
    tl_arena_free(&c->arena);
}

/* The choices when the caller gives none: the target's distinct values as
 * rtfm prints them, in order of first appearance (rtfm itself uses Python's
 * set order, which depends on the string hash seed). */
static tabllm_status derive_labels(tabula_ctx *c)
{
    const tabllm_table *t = c->frame.table;
    tl_pd_column info;
    if (c->frame.pandas) {
        info = tl_pd_infer_column(t, c->target_col);
    } else {
        info.dtype = TL_PD_OBJECT;
        info.source = TL_PD_FROM_TEXT_NOFILTER;
    }
    c->labels = tl_arena_alloc(&c->arena, (t->n_rows + 1) * sizeof *c->labels);
    c->label_lens = tl_arena_alloc(&c->arena, (t->n_rows + 1) * sizeof *c->label_lens);
    if (c->labels == NULL || c->label_lens == NULL)
        return TABLLM_ERR_OUT_OF_MEMORY;
    tl_buf tmp = TL_BUF_INIT;
    tl_strset seen = {0};
    tabllm_status st = TABLLM_OK;
    for (size_t r = 0; r < t->n_rows && st == TABLLM_OK; r++) {
        tl_pyval v = tl_pd_cell_value(tl_table_cell(t, r, c->target_col), &info);
        v = rtfm_value(&v, &info);
        tl_buf_truncate(&tmp, 0);
        tl_pyval_str(&tmp, &v);
        if ((st = tl_buf_status(&tmp)) != TABLLM_OK)
            break;
        const char *s = tmp.data ? tmp.data : "";
        bool added;
        if ((st = tl_strset_add(&seen, s, tmp.len, &added)) != TABLLM_OK || !added)
            continue;
        char *copy = tl_arena_strndup(&c->arena, s, tmp.len);
        if (copy == NULL) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
            break;
        }
        c->labels[c->n_labels] = copy;
        c->label_lens[c->n_labels++] = tmp.len;
    }
    tl_strset_free(&seen);
    tl_buf_free(&tmp);
    return st;
}

static tabllm_status tabula_setup(tabula_ctx *c, const tl_view *view,
                                  const tabllm_encode_params *params)
{
    const char *name = ser_names[c->kind];
    if (params->target == NULL || params->target[0] == '\0')
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: a target column is required", name);
    bool has_context = params->context != NULL && params->context[0] != '\0';
    if (has_context && c->kind != SER_V2 && c->kind != SER_V1)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: a task context is only placed by tabula and tabula-v1", name);
    bool pandas;
    tabllm_status st = tl_cells_pandas(params, true, &pandas);
    if (st != TABLLM_OK)
        return st;
    if ((st = tl_frame_build(view, pandas, params->row, &c->frame)) != TABLLM_OK)
        return st;
    if ((st = tl_frame_find_column(&c->frame, params->target, "target", &c->target_col)) !=
        TABLLM_OK)
        return st;

    /* The features: the view's columns without the target (data.pop), in
     * order; a column listed twice is one dict key, holding the last value. */
    if ((st = tl_alloc_array((void **)&c->features, c->frame.n_cols + 1, sizeof *c->features,
                             "feature list")) != TABLLM_OK)
        return st;
    for (size_t col = 0; col < c->frame.n_cols; col++) {
        if (c->frame.table_cols[col] == c->target_col)
            continue;
        bool dup = false;
        for (size_t f = 0; f < c->n_features && !dup; f++) {
            size_t other = c->features[f];
            if (c->frame.name_lens[other] == c->frame.name_lens[col] &&
                memcmp(c->frame.names[other], c->frame.names[col], c->frame.name_lens[col]) ==
                    0) {
                c->features[f] = col;
                dup = true;
            }
        }
        if (!dup)
            c->features[c->n_features++] = col;
    }

    if (params->labels != NULL && params->n_labels > 0) {
        c->labels = (const char **)params->labels;
        c->label_lens = tl_arena_alloc(&c->arena, params->n_labels * sizeof *c->label_lens);
        if (c->label_lens == NULL)
            return TABLLM_ERR_OUT_OF_MEMORY;
        for (size_t i = 0; i < params->n_labels; i++) {
            if (params->labels[i] == NULL)
                return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: label %zu is NULL", name, i);
            c->label_lens[i] = strlen(params->labels[i]);
        }
        c->n_labels = params->n_labels;
    } else if ((st = derive_labels(c)) != TABLLM_OK) {
        return st;
    }

    /* TLMConfig.get_prefix() / get_suffix() */
    const char *target = c->frame.all_names[c->target_col];
    size_t target_len = c->frame.all_name_lens[c->target_col];
    tl_buf raw = TL_BUF_INIT;
    tl_buf_puts(&raw, "Predict the ");
    tl_buf_append(&raw, target, target_len);
    if (raw.data != NULL)
        put_stripped(&c->prefix, raw.data, raw.len);
    if (c->prefix.len == 0 || c->prefix.data[c->prefix.len - 1] != ':')
        tl_buf_putc(&c->prefix, ':');
    tl_buf_truncate(&raw, 0);
    tl_buf_puts(&raw, "What is the value of ");
    tl_buf_append(&raw, target, target_len);
    tl_buf_putc(&raw, '?');
    if (raw.data != NULL)
        put_stripped(&c->suffix, raw.data, raw.len);
    if (has_context)
        put_stripped(&c->context, params->context, strlen(params->context));
    st = tl_buf_status(&raw);
    tl_buf_free(&raw);
    if (st == TABLLM_OK)
        st = tl_buf_status(&c->prefix);
    if (st == TABLLM_OK)
        st = tl_buf_status(&c->suffix);
    if (st == TABLLM_OK)
        st = tl_buf_status(&c->context);
    return st;
}

static tabllm_status tabula(const tl_view *view, const tabllm_encode_params *params, tl_buf *out,
                            ser_kind kind)
{
    tabula_ctx c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    tabllm_status st = tabula_setup(&c, view, params);
    bool single = tl_frame_single_row(params);
    for (size_t r = 0; st == TABLLM_OK && r < c.frame.n_rows; r++) {
        switch (kind) {
        case SER_V2:
        case SER_V1:
            put_basic(out, &c, r);
            break;
        case SER_STRUCTURED:
            put_structured(out, &c, r);
            break;
        case SER_JSON:
            put_json(out, &c, r);
            break;
        case SER_PDSERIES:
            put_pdseries(out, &c, r);
            break;
        case SER_HTML:
        case SER_HTML_NOWS:
            put_html(out, &c, r);
            break;
        }
        tl_buf_puts(out, QA_SEP);
        if (!single)
            tl_buf_putc(out, '\n');
        st = tl_buf_status(out);
    }
    tabula_ctx_free(&c);
    return st;
}

tabllm_status tl_encode_tabula(const tl_view *view, const tabllm_encode_params *params,
                               tl_buf *out)
{
    return tabula(view, params, out, SER_V2);
}

tabllm_status tl_encode_tabula_v1(const tl_view *view, const tabllm_encode_params *params,
                                  tl_buf *out)
{
    return tabula(view, params, out, SER_V1);
}

tabllm_status tl_encode_tabula_structured(const tl_view *view,
                                          const tabllm_encode_params *params, tl_buf *out)
{
    return tabula(view, params, out, SER_STRUCTURED);
}

tabllm_status tl_encode_tabula_json(const tl_view *view, const tabllm_encode_params *params,
                                    tl_buf *out)
{
    return tabula(view, params, out, SER_JSON);
}

tabllm_status tl_encode_tabula_pdseries(const tl_view *view, const tabllm_encode_params *params,
                                        tl_buf *out)
{
    return tabula(view, params, out, SER_PDSERIES);
}

tabllm_status tl_encode_tabula_html(const tl_view *view, const tabllm_encode_params *params,
                                    tl_buf *out)
{
    return tabula(view, params, out, SER_HTML);
}

tabllm_status tl_encode_tabula_html_nows(const tl_view *view,
                                         const tabllm_encode_params *params, tl_buf *out)
{
    return tabula(view, params, out, SER_HTML_NOWS);
}
