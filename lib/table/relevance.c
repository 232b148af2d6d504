/* Question-aware selection: keep the rows and columns that share the most
 * words with a question, scored with BM25 (k1 = 1.2, b = 0.75, Lucene's
 * idf = ln(1 + (N - df + 0.5) / (df + 0.5))).
 *
 * This is the lexical counterpart of CABINET's relevance scorer: CABINET
 * learns the scores; its heuristic decomposition keeps columns whose names
 * occur in the question and rows containing question words, which is what
 * BM25 over rows and over columns (name counted twice, plus cells) rewards.
 *
 * Words are maximal runs of Unicode letters and digits, lower-cased
 * (utf8proc); words longer than MAX_WORD bytes are compared on their first
 * MAX_WORD bytes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/alloc.h"
#include "table/select.h"

#define MAX_WORD 64
#define MAX_TERMS 64
#define K1 1.2
#define B 0.75

typedef struct terms {
    char text[MAX_TERMS][MAX_WORD];
    size_t len[MAX_TERMS];
    size_t n;
} terms;

typedef void (*word_fn)(void *ctx, const char *word, size_t len);

static bool is_word_char(utf8proc_int32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t cat = utf8proc_category(cp);
    return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
           (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

static void each_word(const char *s, size_t len, word_fn fn, void *ctx)
{
    char word[MAX_WORD];
    size_t wlen = 0;
    bool in_word = false;
    size_t i = 0;
    while (i <= len) {
        utf8proc_int32_t cp = 0;
        utf8proc_ssize_t n = 1;
        if (i < len) {
            n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
            if (n <= 0) { /* tables are valid UTF-8; a question may not be */
                n = 1;
                cp = -1;
            }
        }
        if (i < len && cp >= 0 && is_word_char(cp)) {
            utf8proc_uint8_t enc[4];
            utf8proc_ssize_t m = utf8proc_encode_char(utf8proc_tolower(cp), enc);
            if (wlen + (size_t)m <= MAX_WORD) {
                memcpy(word + wlen, enc, (size_t)m);
                wlen += (size_t)m;
            }
            in_word = true;
        } else if (in_word) {
            fn(ctx, word, wlen);
            wlen = 0;
            in_word = false;
        }
        i += (size_t)n;
    }
}

static void add_term(void *ctx, const char *word, size_t len)
{
    terms *q = ctx;
    for (size_t i = 0; i < q->n; i++)
        if (q->len[i] == len && memcmp(q->text[i], word, len) == 0)
            return;
    if (q->n < MAX_TERMS) {
        memcpy(q->text[q->n], word, len);
        q->len[q->n++] = len;
    }
}

/* Word counts of one document against the query terms. */
typedef struct doc_counts {
    const terms *q;
    double tf[MAX_TERMS];
    double length;
} doc_counts;

static void count_word(void *ctx, const char *word, size_t len)
{
    doc_counts *d = ctx;
    d->length += 1;
    for (size_t i = 0; i < d->q->n; i++) {
        if (d->q->len[i] == len && memcmp(d->q->text[i], word, len) == 0) {
            d->tf[i] += 1;
            return;
        }
    }
}

/* A document is a row (its cells in `cols`) or a column (its name twice and
 * its cells in `rows`). */
typedef struct corpus {
    const tabllm_table *t;
    const size_t *rows, *cols;
    size_t n_rows, n_cols;
    bool by_column;
} corpus;

static void count_doc(const corpus *c, size_t d, doc_counts *out)
{
    const terms *q = out->q;
    memset(out, 0, sizeof *out);
    out->q = q;
    if (c->by_column) {
        const tl_cell *name = tl_table_column_name(c->t, c->cols[d]);
        each_word(name->text, name->len, count_word, out);
        each_word(name->text, name->len, count_word, out);
        for (size_t r = 0; r < c->n_rows; r++) {
            const tl_cell *cell = tl_table_cell(c->t, c->rows[r], c->cols[d]);
            each_word(cell->text, cell->len, count_word, out);
        }
    } else {
        for (size_t j = 0; j < c->n_cols; j++) {
            const tl_cell *cell = tl_table_cell(c->t, c->rows[d], c->cols[j]);
            each_word(cell->text, cell->len, count_word, out);
        }
    }
}

/* BM25 score of every document into scores[0..n_docs). */
static tabllm_status score_docs(const corpus *c, const terms *q, size_t n_docs, double *scores)
{
    double df[MAX_TERMS] = {0};
    double *lengths;
    tabllm_status st = tl_alloc_array((void **)&lengths, n_docs ? n_docs : 1, sizeof *lengths,
                                      "document lengths");
    if (st != TABLLM_OK)
        return st;
    doc_counts d;
    d.q = q;
    double total = 0;
    for (size_t i = 0; i < n_docs; i++) {
        count_doc(c, i, &d);
        lengths[i] = d.length;
        total += d.length;
        for (size_t k = 0; k < q->n; k++)
            df[k] += d.tf[k] > 0;
    }
    double avg = n_docs && total > 0 ? total / (double)n_docs : 1;
    double idf[MAX_TERMS];
    for (size_t k = 0; k < q->n; k++)
        idf[k] = log(1 + ((double)n_docs - df[k] + 0.5) / (df[k] + 0.5));
    for (size_t i = 0; i < n_docs; i++) {
        count_doc(c, i, &d);
        double s = 0;
        double norm = K1 * (1 - B + B * lengths[i] / avg);
        for (size_t k = 0; k < q->n; k++)
            if (d.tf[k] > 0)
                s += idf[k] * d.tf[k] * (K1 + 1) / (d.tf[k] + norm);
        scores[i] = s;
    }
    tl_free(lengths);
    return TABLLM_OK;
}

typedef struct ranked {
    double score;
    size_t pos;
} ranked;

static int by_score(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Keeps the k items of items[0..*n) with the highest scores, in their
 * original order; ties go to the earlier item. `forced` (an item value,
 * SIZE_MAX for none) is kept whatever its score. */
static tabllm_status keep_top(size_t *items, size_t *n, const double *scores, size_t k,
                              size_t forced)
{
    if (k >= *n)
        return TABLLM_OK;
    ranked *order;
    bool *keep;
    tabllm_status st = tl_alloc_array((void **)&order, *n, sizeof *order, "ranking");
    if (st != TABLLM_OK)
        return st;
    st = tl_calloc_array((void **)&keep, *n, sizeof *keep, "selection");
    if (st != TABLLM_OK) {
        tl_free(order);
        return st;
    }
    for (size_t i = 0; i < *n; i++) {
        order[i].score = scores[i];
        order[i].pos = i;
    }
    qsort(order, *n, sizeof *order, by_score);
    size_t kept = 0;
    for (size_t i = 0; i < *n && forced != SIZE_MAX; i++) {
        if (items[i] == forced) {
            keep[i] = true;
            kept++;
            break;
        }
    }
    for (size_t i = 0; i < *n && kept < k; i++) {
        if (!keep[order[i].pos]) {
            keep[order[i].pos] = true;
            kept++;
        }
    }
    size_t out = 0;
    for (size_t i = 0; i < *n; i++)
        if (keep[i])
            items[out++] = items[i];
    *n = out;
    tl_free(order);
    tl_free(keep);
    return TABLLM_OK;
}

static tabllm_status rank(const corpus *c, const char *question, size_t *items, size_t *n,
                          size_t k, size_t forced)
{
    terms *q = tl_calloc(1, sizeof *q);
    double *scores = NULL;
    if (q == NULL)
        return tl_error_oom("query terms");
    each_word(question, strlen(question), add_term, q);
    tabllm_status st = tl_alloc_array((void **)&scores, *n ? *n : 1, sizeof *scores, "scores");
    if (st == TABLLM_OK)
        st = score_docs(c, q, *n, scores);
    if (st == TABLLM_OK)
        st = keep_top(items, n, scores, k, forced);
    tl_free(scores);
    tl_free(q);
    return st;
}

tabllm_status tl_relevant_rows(const tabllm_table *t, const size_t *cols, size_t n_cols,
                               const char *question, size_t max_rows, size_t *rows, size_t *n)
{
    corpus c = {t, rows, cols, *n, n_cols, false};
    return rank(&c, question, rows, n, max_rows, SIZE_MAX);
}

tabllm_status tl_relevant_columns(const tabllm_table *t, const size_t *rows, size_t n_rows,
                                  const char *question, size_t max_columns, size_t keep,
                                  size_t *cols, size_t *n)
{
    corpus c = {t, rows, cols, n_rows, *n, true};
    return rank(&c, question, cols, n, max_columns, keep);
}
