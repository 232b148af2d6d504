/* Fitting an encoding into a token budget.
 *
 * Two steps, each a binary search, so the result depends only on the table,
 * the params and the counter:
 *  1. keep the longest prefix of the selected rows whose text fits (at least
 *     one row is kept, since a table without rows says nothing);
 *  2. if even one row does not fit, cut every cell of the kept rows that is
 *     longer than L + 3 characters to its first L characters plus "...",
 *     with the largest L that fits.
 * Token counts are assumed to grow with the text, which holds for every
 * tokenizer in practice; if one did not, the search still ends with a text
 * that fits or with TABLLM_ERR_LIMIT_EXCEEDED, never with one that does not.
 * What was dropped goes to the log at the warning level. */
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "table/select.h"

#define CUT_MARK "..."
#define MARK_LEN (sizeof CUT_MARK - 1)

typedef struct budget {
    const tl_encoder *enc;
    const tabllm_encode_params *p;
    size_t last_count;
} budget;

/* Encodes `view` into `out` and says whether it fits. */
static tabllm_status try_encode(budget *b, const tl_view *view, const tabllm_encode_params *p,
                                tl_buf *out, bool *fits)
{
    tl_buf_truncate(out, 0);
    tabllm_status st = b->enc->encode(view, p, out);
    if (st == TABLLM_OK)
        st = tl_buf_status(out);
    if (st != TABLLM_OK)
        return st;
    size_t n = b->p->count_tokens(out->data ? out->data : "", out->len,
                                  b->p->count_tokens_user_data);
    if (n == SIZE_MAX)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "the token counter failed on a text of %zu "
                                                     "bytes",
                        out->len);
    b->last_count = n;
    *fits = n <= b->p->max_tokens;
    return TABLLM_OK;
}

/* Bytes of the first `chars` code points of s[0..len). */
static size_t prefix_bytes(const char *s, size_t len, size_t chars)
{
    size_t i = 0;
    while (i < len && chars > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

static size_t count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* A copy of the table's cells for the kept rows with cells longer than
 * `limit` characters cut. Texts that are not cut point into the original. */
typedef struct cut_table {
    tabllm_table t;   /* shares header and texts with the original */
    tl_view view;
    size_t *rows;     /* 0..n-1 */
    size_t n_cut;
} cut_table;

static tabllm_status build_cut(const tl_view *src, const tabllm_encode_params *p, size_t n_rows,
                               size_t limit, cut_table *ct, tabllm_encode_params *cp)
{
    const tabllm_table *orig = src->table;
    size_t extra = (p->row >= 0) ? 1 : 0; /* a per-row encoding's row */
    size_t total = n_rows + extra, cells;
    if (!tl_size_mul(total, orig->n_cols, &cells))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "table too large to cut");
    tabllm_status st = tl_alloc_array((void **)&ct->t.cells, cells ? cells : 1,
                                      sizeof *ct->t.cells, "cut cells");
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&ct->rows, total ? total : 1, sizeof *ct->rows, "cut rows");
    if (st != TABLLM_OK)
        return st;
    ct->t.n_rows = total;
    ct->t.n_cols = orig->n_cols;
    ct->t.has_header = orig->has_header;
    ct->t.header = orig->header;
    ct->n_cut = 0;
    for (size_t r = 0; r < total; r++) {
        size_t from = r < n_rows ? src->rows[r] : (size_t)p->row;
        if (orig->n_cols > 0)
            memcpy(ct->t.cells + r * orig->n_cols, orig->cells + from * orig->n_cols,
                   orig->n_cols * sizeof *ct->t.cells);
        ct->rows[r] = r;
    }
    for (size_t r = 0; r < total; r++) {
        for (size_t j = 0; j < src->n_cols; j++) {
            tl_cell *c = ct->t.cells + r * orig->n_cols + src->cols[j];
            /* Only cells that get shorter: with the mark added, a cut of a
             * cell barely over the limit would lengthen it, and then a
             * smaller limit would not mean a shorter text. */
            if (c->len <= limit + MARK_LEN || count_chars(c->text, c->len) <= limit + MARK_LEN)
                continue;
            size_t keep = prefix_bytes(c->text, c->len, limit);
            char *text = tl_arena_alloc(&ct->t.arena, keep + MARK_LEN + 1);
            if (text == NULL)
                return TABLLM_ERR_OUT_OF_MEMORY;
            memcpy(text, c->text, keep);
            memcpy(text + keep, CUT_MARK, MARK_LEN + 1);
            c->text = text;
            c->len = keep + MARK_LEN;
            tl_cell_classify(c);
            ct->n_cut++;
        }
    }
    ct->view = *src;
    ct->view.table = &ct->t;
    ct->view.rows = ct->rows;
    ct->view.n_rows = n_rows;
    *cp = *p;
    if (extra)
        cp->row = (int64_t)n_rows;
    return TABLLM_OK;
}

static void free_cut(cut_table *ct)
{
    tl_arena_free(&ct->t.arena);
    tl_free(ct->t.cells);
    tl_free(ct->rows);
    memset(ct, 0, sizeof *ct);
}

static size_t longest_cell(const tl_view *v, const tabllm_encode_params *p, size_t n_rows)
{
    size_t longest = 0;
    for (size_t r = 0; r <= n_rows; r++) {
        size_t row;
        if (r < n_rows)
            row = v->rows[r];
        else if (p->row >= 0)
            row = (size_t)p->row;
        else
            break;
        for (size_t j = 0; j < v->n_cols; j++) {
            const tl_cell *c = tl_table_cell(v->table, row, v->cols[j]);
            size_t n = count_chars(c->text, c->len);
            if (n > longest)
                longest = n;
        }
    }
    return longest;
}

/* Step 2: the largest cell limit that fits, with `n_rows` rows. */
static tabllm_status cut_cells(budget *b, const tl_view *view, size_t n_rows, tl_buf *out)
{
    size_t longest = longest_cell(view, b->p, n_rows);
    size_t lo = 0, hi = longest; /* a limit of hi is the uncut text, which does not fit */
    size_t best_cut = 0;
    bool found = false;
    /* Invariant: limit hi does not fit; lo is the best limit known to fit
     * (0 = none yet). */
    size_t low = 1;
    while (low < hi) {
        size_t mid = low + (hi - low) / 2;
        cut_table ct;
        memset(&ct, 0, sizeof ct);
        tabllm_encode_params cp;
        tabllm_status st = build_cut(view, b->p, n_rows, mid, &ct, &cp);
        bool fits = false;
        if (st == TABLLM_OK)
            st = try_encode(b, &ct.view, &cp, out, &fits);
        size_t n_cut = ct.n_cut;
        free_cut(&ct);
        if (st != TABLLM_OK)
            return st;
        if (fits) {
            lo = mid;
            best_cut = n_cut;
            found = true;
            low = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (!found)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "the token budget of %zu is too small: one row with every cell cut to "
                        "one character still takes %zu tokens",
                        b->p->max_tokens, b->last_count);
    /* Encode the winner again: the buffer holds the last attempt. */
    cut_table ct;
    memset(&ct, 0, sizeof ct);
    tabllm_encode_params cp;
    bool fits = false;
    tabllm_status st = build_cut(view, b->p, n_rows, lo, &ct, &cp);
    if (st == TABLLM_OK)
        st = try_encode(b, &ct.view, &cp, out, &fits);
    free_cut(&ct);
    if (st == TABLLM_OK && fits)
        tl_log_warn("token budget %zu: cut %zu cells to %zu characters", b->p->max_tokens,
                    best_cut, lo);
    return st;
}

tabllm_status tl_encode_within_budget(const tl_encoder *enc, const tl_view *view,
                                      const tabllm_encode_params *p, tl_buf *out)
{
    budget b = {enc, p, 0};
    bool fits;
    tabllm_status st = try_encode(&b, view, p, out, &fits);
    if (st != TABLLM_OK || fits)
        return st;
    size_t full = b.last_count;

    /* Step 1: rows. lo fits (or is 1, the floor), hi does not. */
    size_t lo = 1, hi = view->n_rows;
    tl_view part = *view;
    bool lo_fits = false;
    if (view->n_rows > 1) {
        part.n_rows = 1;
        if ((st = try_encode(&b, &part, p, out, &lo_fits)) != TABLLM_OK)
            return st;
    }
    while (lo_fits && hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        part.n_rows = mid;
        bool fits_mid;
        if ((st = try_encode(&b, &part, p, out, &fits_mid)) != TABLLM_OK)
            return st;
        if (fits_mid)
            lo = mid;
        else
            hi = mid;
    }
    size_t kept = view->n_rows ? lo : 0;
    if (lo_fits) {
        part.n_rows = kept;
        if ((st = try_encode(&b, &part, p, out, &fits)) != TABLLM_OK)
            return st;
        if (fits) {
            tl_log_warn("token budget %zu: the text took %zu tokens; kept the first %zu of %zu "
                        "rows, dropped %zu",
                        p->max_tokens, full, kept, view->n_rows, view->n_rows - kept);
            return TABLLM_OK;
        }
    }
    if (kept < view->n_rows)
        tl_log_warn("token budget %zu: the text took %zu tokens; kept the first %zu of %zu rows, "
                    "dropped %zu",
                    p->max_tokens, full, kept, view->n_rows, view->n_rows - kept);
    return cut_cells(&b, view, kept, out);
}
