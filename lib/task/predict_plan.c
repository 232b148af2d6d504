/* The prediction plan: from a table to the token ids the scorer runs.
 *
 *   sequence of row r = leading specials (BOS) + shots + prompt(r)
 *   continuation of label j = tokens(label_prefix + label_j + completion_end)
 *
 * Every piece is tokenized alone without special tokens, and the tokenizer's
 * leading specials go first once, so only the first sample has BOS (TabuLa's
 * make_few_shot_sample). The part all rows share, up to the longest common
 * prefix of their prompt ids, becomes the plan's prefix. */
#include <string.h>

#include "base/alloc.h"
#include "base/params.h"
#include "table/formats/frame.h"
#include "task/predict_int.h"
#include "task/task.h"

#define ENCODE_CHUNK 256

typedef struct texts {
    tl_buf buf;
    size_t *start, *len; /* offsets into buf */
    size_t n, cap;
} texts;

static tabllm_status texts_add(texts *t, const char *s, size_t len)
{
    if (t->n == t->cap) {
        size_t cap = t->cap;
        tabllm_status st = tl_grow_array((void **)&t->start, &cap, t->n + 1, sizeof *t->start,
                                         "prompts");
        if (st == TABLLM_OK)
            st = tl_grow_array((void **)&t->len, &t->cap, t->n + 1, sizeof *t->len, "prompts");
        if (st != TABLLM_OK)
            return st;
    }
    t->start[t->n] = t->buf.len;
    t->len[t->n++] = len;
    tl_buf_append(&t->buf, s, len);
    return tl_buf_status(&t->buf);
}

static void texts_free(texts *t)
{
    tl_buf_free(&t->buf);
    tl_free(t->start);
    tl_free(t->len);
}

static bool per_row_encoding(uint32_t e)
{
    return e == TABLLM_ENCODING_TEMPLATE ||
           (e >= TABLLM_ENCODING_TABULA && e <= TABLLM_ENCODING_TABULA_HTML_NOWS) ||
           e == TABLLM_ENCODING_UNIPREDICT || e == TABLLM_ENCODING_UNIPREDICT_ROWS;
}

static bool pandas_family(uint32_t e)
{
    return (e >= TABLLM_ENCODING_TABULA && e <= TABLLM_ENCODING_TABULA_HTML_NOWS) ||
           (e >= TABLLM_ENCODING_UNIPREDICT && e <= TABLLM_ENCODING_UNIPREDICT_LABELS);
}

/* The prompts of `rows` of t. Whole chunks of rows are encoded at once
 * (each prompt is followed by "\n"); a chunk whose text has another number
 * of line breaks (a prompt that holds one) is encoded row by row. */
static tabllm_status encode_rows(const tabllm_table *t, const tabllm_encode_params *base,
                                 const size_t *rows, size_t n, texts *out)
{
    tabllm_encode_params e = *base;
    tabllm_status st = TABLLM_OK;
    for (size_t at = 0; at < n && st == TABLLM_OK; at += ENCODE_CHUNK) {
        size_t k = n - at < ENCODE_CHUNK ? n - at : ENCODE_CHUNK;
        e.row = -1;
        e.rows = rows + at;
        e.n_rows = k;
        char *text = NULL;
        size_t len = 0, breaks = 0;
        if ((st = tabllm_table_encode(t, &e, &text, &len)) != TABLLM_OK)
            break;
        for (size_t i = 0; i < len; i++)
            breaks += text[i] == '\n';
        if (breaks == k && len > 0 && text[len - 1] == '\n') {
            size_t from = 0;
            for (size_t i = 0; i < len && st == TABLLM_OK; i++)
                if (text[i] == '\n') {
                    st = texts_add(out, text + from, i - from);
                    from = i + 1;
                }
        } else {
            e.rows = NULL;
            e.n_rows = 0;
            for (size_t i = 0; i < k && st == TABLLM_OK; i++) {
                char *one;
                size_t one_len;
                e.row = (int64_t)rows[at + i];
                if ((st = tabllm_table_encode(t, &e, &one, &one_len)) == TABLLM_OK)
                    st = texts_add(out, one, one_len);
                tabllm_free(one);
            }
        }
        tabllm_free(text);
    }
    return st;
}

static uint64_t mix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Fisher-Yates on the first k of a[0..n). */
static void shuffle_prefix(size_t *a, size_t n, size_t k, uint64_t *rng)
{
    for (size_t i = 0; i < k && i + 1 < n; i++) {
        size_t j = i + (size_t)(mix(rng) % (uint64_t)(n - i));
        size_t tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }
}

/* The support rows to show, with the label index of each. */
static tabllm_status choose_shots(const tl_target *sup, char *const *labels, size_t n_labels,
                                  const tl_pred_params *p, size_t **rows_out, size_t *n_out)
{
    const tabllm_table *t = sup->t;
    size_t want = p->shot_rows ? p->n_shot_rows : p->n_shots;
    size_t *label_of = NULL, *rows = NULL, *pool = NULL;
    tl_buf v = TL_BUF_INIT;
    tabllm_status st;
    *rows_out = NULL;
    *n_out = 0;
    if ((st = tl_alloc_array((void **)&rows, want ? want : 1, sizeof *rows, "shots")) ||
        (st = tl_alloc_array((void **)&label_of, t->n_rows ? t->n_rows : 1, sizeof *label_of,
                             "shots")) ||
        (st = tl_alloc_array((void **)&pool, t->n_rows ? t->n_rows : 1, sizeof *pool, "shots")))
        goto done;
    /* each support row's label, or SIZE_MAX when it has none of them */
    for (size_t r = 0; r < t->n_rows; r++) {
        label_of[r] = SIZE_MAX;
        if (tl_target_text(sup, r, &v)) {
            int32_t j = tl_label_index(labels, n_labels, v.data ? v.data : "", v.len);
            if (j >= 0)
                label_of[r] = (size_t)j;
        }
    }
    if (p->shot_rows) {
        for (size_t i = 0; i < want; i++) {
            size_t r = p->shot_rows[i];
            if (r >= t->n_rows) {
                st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                              "shot_rows[%zu] = %zu is out of range: the support table has %zu "
                              "rows",
                              i, r, t->n_rows);
                goto done;
            }
            if (label_of[r] == SIZE_MAX) {
                bool missing = !tl_target_text(sup, r, &v);
                st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                              "support row %zu: the target value %s%.100s%s is %s", r,
                              missing ? "" : "'", missing ? "(missing)" : v.data,
                              missing ? "" : "'", missing ? "missing" : "not one of the labels");
                goto done;
            }
            rows[i] = r;
        }
    } else if (p->shot_selection == TABLLM_SHOTS_RANDOM) {
        size_t n = 0;
        for (size_t r = 0; r < t->n_rows; r++)
            if (label_of[r] != SIZE_MAX)
                pool[n++] = r;
        if (n < want) {
            st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                          "%zu shots asked for, and the support table has %zu rows with a label",
                          want, n);
            goto done;
        }
        uint64_t rng = p->seed;
        shuffle_prefix(pool, n, want, &rng);
        memcpy(rows, pool, want * sizeof *rows);
    } else {
        uint64_t rng = p->seed;
        size_t k = 0;
        for (size_t j = 0; j < n_labels && k < want; j++) {
            size_t quota = want / n_labels + (j < want % n_labels), n = 0;
            for (size_t r = 0; r < t->n_rows; r++)
                if (label_of[r] == j)
                    pool[n++] = r;
            if (n < quota) {
                st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                              "balanced shots: label '%.100s' needs %zu support rows and has %zu",
                              labels[j], quota, n);
                goto done;
            }
            shuffle_prefix(pool, n, quota, &rng);
            memcpy(rows + k, pool, quota * sizeof *rows);
            k += quota;
        }
        shuffle_prefix(rows, want, want, &rng);
    }
    *rows_out = rows;
    *n_out = want;
    rows = NULL;
done:
    tl_buf_free(&v);
    tl_free(rows);
    tl_free(label_of);
    tl_free(pool);
    return st;
}

/* The tokenizer's special tokens in front of a text (BOS), from encoding the
 * same text with and without them. */
static tabllm_status leading_specials(const tabllm_tokenizer *tok, const char *text, size_t len,
                                      tabllm_token **out, size_t *n_out)
{
    tabllm_token *with = NULL, *without = NULL;
    size_t nw = 0, nwo = 0;
    tabllm_status st = tl_task_tokenize(tok, text, len, TABLLM_TOKENIZE_ADD_SPECIAL, &with, &nw);
    if (st == TABLLM_OK)
        st = tl_task_tokenize(tok, text, len, 0, &without, &nwo);
    size_t lead = 0;
    if (st == TABLLM_OK) {
        while (lead + nwo <= nw && memcmp(with + lead, without, nwo * sizeof *with) != 0)
            lead++;
        if (lead + nwo > nw)
            lead = 0; /* the specials are not simply around the text: add none */
    }
    tl_free(without);
    if (st != TABLLM_OK) {
        tl_free(with);
        return st;
    }
    *out = with;
    *n_out = lead;
    return TABLLM_OK;
}

typedef struct plan_ctx {
    const tabllm_tokenizer *tok;
    const tl_pred_params *p;
    tabllm_encode_params enc;
    bool pandas;
    const tabllm_table *query;  /* the table, or a copy with an empty target column */
    tabllm_table *widened;
    tl_target qt, st;           /* target of the query and support tables */
    bool query_has_target, support_has_target;
    char **labels;
    size_t n_labels;
    bool own_labels;
} plan_ctx;

static tabllm_status resolve_labels(plan_ctx *c)
{
    const tl_pred_params *p = c->p;
    if (p->labels != NULL && p->n_labels > 0) {
        c->labels = (char **)p->labels;
        c->n_labels = p->n_labels;
    } else if (p->n_labels > 0) {
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "n_labels is %zu but labels is NULL",
                        p->n_labels);
    } else if (c->support_has_target || c->query_has_target) {
        tabllm_status st = tl_labels_derive(c->support_has_target ? &c->st : &c->qt, &c->labels,
                                            &c->n_labels);
        if (st != TABLLM_OK)
            return st;
        c->own_labels = true;
        if (c->n_labels == 0 && !(p->flags & TABLLM_PREDICT_EMBEDDINGS_ONLY))
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "no labels: every value of the target column '%.100s' in the %s "
                            "table is missing",
                            p->target, c->support_has_target ? "support" : "");
    } else if (!(p->flags & TABLLM_PREDICT_EMBEDDINGS_ONLY)) {
        return tl_error(TABLLM_ERR_NOT_FOUND,
                        "target: no column named '%.100s' in the table%s, and no labels given",
                        p->target, p->support ? " or the support table" : "");
    }
    for (size_t i = 0; i < c->n_labels; i++) {
        if (c->labels[i] == NULL)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "label %zu is NULL", i);
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->labels[k], c->labels[i]) == 0)
                return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "label %zu '%.100s' repeats label %zu",
                                i, c->labels[i], k);
    }
    return TABLLM_OK;
}

static tabllm_status setup(plan_ctx *c, const tabllm_table *table)
{
    const tl_pred_params *p = c->p;
    tabllm_status st;
    if (p->encode == NULL) {
        tabllm_encode_params_init(&c->enc, sizeof c->enc);
        c->enc.encoding = TABLLM_ENCODING_TABULA;
    } else {
        tabllm_encode_params_init(&c->enc, sizeof c->enc);
        if ((st = tl_params_read(&c->enc, sizeof c->enc, p->encode, "tabllm_encode_params")))
            return st;
    }
    if (!per_row_encoding(c->enc.encoding))
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "predict: encoding %u does not make one prompt per row (use tabula*, "
                        "unipredict or template)",
                        c->enc.encoding);
    c->enc.rows = NULL;
    c->enc.n_rows = 0;
    c->enc.row_sampling = TABLLM_ROWS_ALL;
    c->enc.max_rows = 0;
    c->enc.max_tokens = 0;
    c->enc.target = p->target;
    if ((st = tl_cells_pandas(&c->enc, pandas_family(c->enc.encoding), &c->pandas)))
        return st;
    size_t col;
    c->query = table;
    if ((c->query_has_target = tl_table_find_column(table, p->target, &col)))
        tl_target_init(&c->qt, table, col, c->pandas);
    if (p->support && (c->support_has_target = tl_table_find_column(p->support, p->target, &col)))
        tl_target_init(&c->st, p->support, col, c->pandas);
    if ((st = resolve_labels(c)) != TABLLM_OK)
        return st;
    c->enc.labels = (const char *const *)c->labels;
    c->enc.n_labels = c->n_labels;
    if (!c->query_has_target) {
        if ((st = tl_table_with_column(table, p->target, &c->widened)) != TABLLM_OK)
            return st;
        c->query = c->widened;
    }
    return TABLLM_OK;
}

/* The truth of every query row, when the table has the target. */
static tabllm_status fill_truth(plan_ctx *c, tl_pred_plan *plan)
{
    if (!c->query_has_target || c->n_labels == 0)
        return TABLLM_OK;
    tabllm_status st = tl_alloc_array((void **)&plan->truth, plan->n_rows, sizeof *plan->truth,
                                      "truth");
    tl_buf v = TL_BUF_INIT;
    for (size_t i = 0; i < plan->n_rows && st == TABLLM_OK; i++) {
        if (!tl_target_text(&c->qt, plan->table_rows[i], &v)) {
            plan->truth[i] = -1;
            continue;
        }
        if ((st = tl_buf_status(&v)) != TABLLM_OK)
            break;
        int32_t j = tl_label_index(c->labels, c->n_labels, v.data ? v.data : "", v.len);
        plan->truth[i] = j >= 0 ? j : -2;
    }
    tl_buf_free(&v);
    return st;
}

/* Every text the plan needs, in one list: query prompts, then shots (prompt
 * + label + end), then label continuations. */
static tabllm_status collect_texts(plan_ctx *c, tl_pred_plan *plan, const size_t *shots,
                                   size_t n_shots, const char *end, texts *all)
{
    const tl_pred_params *p = c->p;
    tabllm_status st = encode_rows(c->query, &c->enc, plan->table_rows, plan->n_rows, all);
    if (st != TABLLM_OK)
        return st;
    if (n_shots > 0) {
        texts sp = {.buf = TL_BUF_INIT};
        tl_buf v = TL_BUF_INIT;
        st = encode_rows(p->support, &c->enc, shots, n_shots, &sp);
        for (size_t i = 0; i < n_shots && st == TABLLM_OK; i++) {
            tl_target_text(&c->st, shots[i], &v);
            tl_buf one = TL_BUF_INIT;
            tl_buf_append(&one, sp.buf.data + sp.start[i], sp.len[i]);
            tl_buf_append(&one, v.data ? v.data : "", v.len);
            tl_buf_puts(&one, end);
            if ((st = tl_buf_status(&one)) == TABLLM_OK)
                st = texts_add(all, one.data, one.len);
            tl_buf_free(&one);
        }
        tl_buf_free(&v);
        texts_free(&sp);
    }
    const char *pre = p->label_prefix ? p->label_prefix : "";
    for (size_t j = 0; j < c->n_labels && st == TABLLM_OK; j++) {
        tl_buf one = TL_BUF_INIT;
        tl_buf_puts(&one, pre);
        tl_buf_puts(&one, c->labels[j]);
        tl_buf_puts(&one, end);
        if ((st = tl_buf_status(&one)) == TABLLM_OK)
            st = texts_add(all, one.data ? one.data : "", one.len);
        tl_buf_free(&one);
    }
    return st;
}

/* Lays the token ids out as the plan: prefix, rows, labels. */
static tabllm_status layout(tl_pred_plan *plan, const tabllm_token *lead, size_t n_lead,
                            const tabllm_token *ids, const size_t *starts, size_t n_shots,
                            char *const *labels)
{
    const size_t R = plan->n_rows, L = plan->n_labels;
    /* the longest common prefix of the prompts, leaving every row a token */
    size_t lcp = starts[1] - starts[0];
    for (size_t r = 0; r < R; r++) {
        size_t len = starts[r + 1] - starts[r], k = 0;
        if (len == 0)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "row %zu: the prompt has no tokens",
                            plan->table_rows[r]);
        while (k < lcp && k < len && ids[starts[r] + k] == ids[starts[0] + k])
            k++;
        lcp = k < len ? k : len - 1;
    }
    size_t n_shot_ids = starts[R + n_shots] - starts[R], total_rows = starts[R] - starts[0];
    plan->n_prefix = n_lead + n_shot_ids + lcp;
    plan->prompt_from = n_lead + n_shot_ids;
    tabllm_status st;
    if ((st = tl_alloc_array((void **)&plan->prefix, plan->n_prefix ? plan->n_prefix : 1,
                             sizeof *plan->prefix, "prefix")) ||
        (st = tl_alloc_array((void **)&plan->row_ids, total_rows - R * lcp + 1,
                             sizeof *plan->row_ids, "row ids")) ||
        (st = tl_alloc_array((void **)&plan->row_start, R + 1, sizeof *plan->row_start,
                             "row ids")) ||
        (st = tl_alloc_array((void **)&plan->label_start, L + 1, sizeof *plan->label_start,
                             "label ids")))
        return st;
    memcpy(plan->prefix, lead, n_lead * sizeof *lead);
    memcpy(plan->prefix + n_lead, ids + starts[R], n_shot_ids * sizeof *ids);
    memcpy(plan->prefix + n_lead + n_shot_ids, ids + starts[0], lcp * sizeof *ids);
    size_t k = 0;
    for (size_t r = 0; r < R; r++) {
        plan->row_start[r] = k;
        size_t len = starts[r + 1] - starts[r] - lcp;
        memcpy(plan->row_ids + k, ids + starts[r] + lcp, len * sizeof *ids);
        k += len;
    }
    plan->row_start[R] = k;
    size_t l0 = R + n_shots, n_label_ids = starts[l0 + L] - starts[l0];
    if ((st = tl_alloc_array((void **)&plan->label_ids, n_label_ids + 1, sizeof *plan->label_ids,
                             "label ids")))
        return st;
    memcpy(plan->label_ids, ids + starts[l0], n_label_ids * sizeof *ids);
    for (size_t j = 0; j <= L; j++)
        plan->label_start[j] = starts[l0 + j] - starts[l0];
    for (size_t j = 0; j < L; j++)
        if (tl_pred_label_len(plan, j) == 0)
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "label %zu '%.100s' has no tokens (and there is no completion end)", j,
                            labels[j]);
    return TABLLM_OK;
}

tabllm_status tl_pred_plan_build(const tabllm_tokenizer *tok, const tabllm_table *table,
                                 const tl_pred_params *p, tl_pred_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan_ctx c = {.tok = tok, .p = p};
    texts all = {.buf = TL_BUF_INIT};
    size_t *shots = NULL, n_shots = 0;
    tabllm_token *ids = NULL, *lead = NULL;
    size_t *starts = NULL, n_lead = 0;
    tabllm_status st = setup(&c, table);
    if (st != TABLLM_OK)
        goto done;

    plan->n_rows = p->rows ? p->n_rows : table->n_rows;
    if (plan->n_rows == 0) {
        st = tl_error(TABLLM_ERR_TABLE_SHAPE, "predict: the table has no rows to predict");
        goto done;
    }
    if ((st = tl_alloc_array((void **)&plan->table_rows, plan->n_rows, sizeof *plan->table_rows,
                             "rows")))
        goto done;
    for (size_t i = 0; i < plan->n_rows; i++) {
        plan->table_rows[i] = p->rows ? p->rows[i] : i;
        if (plan->table_rows[i] >= table->n_rows) {
            st = tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                          "rows[%zu] = %zu is out of range: the table has %zu rows", i,
                          plan->table_rows[i], table->n_rows);
            goto done;
        }
    }
    bool scoring = !(p->flags & TABLLM_PREDICT_EMBEDDINGS_ONLY);
    plan->n_labels = scoring ? c.n_labels : 0;
    if ((p->shot_rows ? p->n_shot_rows : p->n_shots) > 0) {
        if (p->support == NULL) {
            st = tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: shots need a support table");
            goto done;
        }
        if (!c.support_has_target) {
            st = tl_error(TABLLM_ERR_NOT_FOUND,
                          "support table: no column named '%.100s' (the target) to take shots' "
                          "labels from",
                          p->target);
            goto done;
        }
        if ((st = choose_shots(&c.st, c.labels, c.n_labels, p, &shots, &n_shots)))
            goto done;
    }
    tabllm_token eoc;
    const char *end = p->completion_end;
    if (end == NULL)
        end = tabllm_tokenizer_token_to_id(tok, "<|endcompletion|>", 17, &eoc) == TABLLM_OK
                  ? "<|endcompletion|>"
                  : "";
    if ((st = fill_truth(&c, plan)) || (st = collect_texts(&c, plan, shots, n_shots, end, &all)))
        goto done;

    /* tokenize everything at once, on the caller's threads */
    const char **tp;
    size_t n_texts = all.n;
    if ((st = tl_alloc_array((void **)&tp, n_texts, sizeof *tp, "prompts")))
        goto done;
    for (size_t i = 0; i < n_texts; i++)
        tp[i] = all.buf.data + all.start[i];
    st = tabllm_tokenizer_encode_batch(tok, tp, all.len, n_texts, 0,
                                       p->n_threads ? (int)p->n_threads : 1, &ids, &starts);
    tl_free((void *)tp);
    if (st != TABLLM_OK)
        goto done;
    size_t first = n_shots > 0 ? plan->n_rows : 0; /* the first sample: a shot, or row 0 */
    if ((st = leading_specials(tok, all.buf.data + all.start[first], all.len[first], &lead,
                               &n_lead)))
        goto done;
    st = layout(plan, lead, n_lead, ids, starts, n_shots, c.labels);
    if (st == TABLLM_OK && plan->n_labels > 0) {
        if ((st = tl_calloc_array((void **)&plan->labels, plan->n_labels, sizeof *plan->labels,
                                  "labels")) == TABLLM_OK)
            for (size_t j = 0; j < plan->n_labels && st == TABLLM_OK; j++)
                if ((plan->labels[j] = tl_strdup(c.labels[j])) == NULL)
                    st = tl_error_oom("a label");
    }
done:
    tabllm_free(ids);
    tabllm_free(starts);
    tl_free(lead);
    tl_free(shots);
    texts_free(&all);
    if (c.own_labels)
        tl_labels_free(c.labels, c.n_labels);
    tl_table_destroy(c.widened);
    if (st != TABLLM_OK)
        tl_pred_plan_free(plan);
    return st;
}

void tl_pred_plan_free(tl_pred_plan *plan)
{
    tl_free(plan->table_rows);
    if (plan->labels)
        tl_labels_free(plan->labels, plan->n_labels);
    tl_free(plan->label_ids);
    tl_free(plan->label_start);
    tl_free(plan->prefix);
    tl_free(plan->row_ids);
    tl_free(plan->row_start);
    tl_free(plan->truth);
    memset(plan, 0, sizeof *plan);
}
