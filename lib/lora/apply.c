/* Adapters in the forward pass, unmerged: after the model computed
 * y = x·Wᵀ + b for all rows of a projection, each run of rows whose
 * sequences share an adapter set gets that set's adapters in order, as
 * PEFT's Linear.forward loops over its active adapters (layer.py; DoRA via
 * variants.py DoraLinearVariant.forward and dora.py DoraLinearLayer):
 *
 *   plain LoRA:  y += s·B·(A·x) + s·lora_B.bias
 *   DoRA:        y  = b + mns ⊙ (y − b + s·B·(A·x))      mns = m/‖W + s·B·A‖
 *
 * where s = user scale · scaling and b the bias in effect; DoRA rescales
 * the running result (PEFT passes the result so far as base_result). For
 * the embedding (Embedding.forward, DoraEmbeddingVariant.forward) the
 * same with A's column of the token and no bias.
 *
 * The low-rank products are GEMMs over each run of rows (segmented GEMM,
 * Punica's SGMV): T[rows, r] = s·X·Aᵀ, then Y += T·Bᵀ, the first split over
 * rows and the second over output columns across the session's threads, so
 * a batch mixing sequences with different adapters is one forward pass. */
#include <cblas.h>
#include <string.h>

#include "base/alloc.h"
#include "lora/lora.h"

/* Below this many multiply-adds a step runs on the calling thread: a
 * decode step's products are smaller than a thread wake-up. (A variable so
 * the tests can send small models through the threaded path.) */
size_t tl_lora_inline_macs = 1u << 18;

/* Up to this many rows in a run, products are matrix-vector (no packing). */
#define SMALL_ROWS 4

typedef struct lowrank_job {
    tl_session *s;
    const tl_lora_seg *segs;
    int n_segs;
    const float *x; /* [n, in] linear input, or NULL for the embedding */
    const int32_t *tokens;
    float *y;       /* [n, ldy] */
    int64_t ldy, out;
    float *t;
    int ldt;
    size_t total_rows;
} lowrank_job;

/* Phase 1: T[t, :] = s·A·x_t for the job's rows in [b, e) (counted over the
 * segments laid end to end). */
static void phase1(const lowrank_job *j, size_t b, size_t e)
{
    size_t base = 0;
    for (int g = 0; g < j->n_segs && base < e; g++) {
        const tl_lora_seg *sg = &j->segs[g];
        size_t s0 = base, s1 = base + (size_t)sg->len;
        base = s1;
        size_t lo = b > s0 ? b : s0, hi = e < s1 ? e : s1;
        if (lo >= hi)
            continue;
        int32_t row = sg->begin + (int32_t)(lo - s0), n = (int32_t)(hi - lo);
        const tl_lora_module *m = sg->mod;
        float *t = j->t + (size_t)row * (size_t)j->ldt;
        if (j->x == NULL) { /* embedding: the token's column of A, scaled */
            for (int32_t i = 0; i < n; i++) {
                const float *a = m->a + (size_t)j->tokens[row + i] * (size_t)m->rank;
                for (int k = 0; k < m->rank; k++)
                    t[(size_t)i * (size_t)j->ldt + (size_t)k] = sg->s * a[k];
            }
        } else if (n <= SMALL_ROWS) { /* decode: a matrix-vector product per row */
            for (int32_t i = 0; i < n; i++)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, m->rank, (int)m->in, sg->s, m->a,
                            (int)m->in, j->x + (size_t)(row + i) * (size_t)m->in, 1, 0.0f,
                            t + (size_t)i * (size_t)j->ldt, 1);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m->rank, (int)m->in, sg->s,
                        j->x + (size_t)row * (size_t)m->in, (int)m->in, m->a, (int)m->in, 0.0f, t,
                        j->ldt);
        }
    }
}

/* Phase 2: Y[rows, c0:c1] += T·B[c0:c1]ᵀ, DoRA's normalisation around it. */
static void phase2(const lowrank_job *j, int64_t c0, int64_t c1)
{
    if (c1 <= c0)
        return;
    for (int g = 0; g < j->n_segs; g++) {
        const tl_lora_seg *sg = &j->segs[g];
        const tl_lora_module *m = sg->mod;
        float *y = j->y + (size_t)sg->begin * (size_t)j->ldy;
        if (sg->mns != NULL && sg->bias != NULL)
            for (int32_t i = 0; i < sg->len; i++)
                for (int64_t c = c0; c < c1; c++)
                    y[i * j->ldy + c] -= sg->bias[c];
        if (sg->len <= SMALL_ROWS) /* y[c0:c1] += B[c0:c1]·t, row by row */
            for (int32_t i = 0; i < sg->len; i++)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)(c1 - c0), m->rank, 1.0f,
                            m->b + c0 * m->rank, m->rank,
                            j->t + (size_t)(sg->begin + i) * (size_t)j->ldt, 1, 1.0f,
                            y + (size_t)i * (size_t)j->ldy + c0, 1);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, sg->len, (int)(c1 - c0),
                        m->rank, 1.0f, j->t + (size_t)sg->begin * (size_t)j->ldt, j->ldt,
                        m->b + c0 * m->rank, m->rank, 1.0f, y + c0, (int)j->ldy);
        if (sg->mns != NULL) {
            for (int32_t i = 0; i < sg->len; i++)
                for (int64_t c = c0; c < c1; c++) {
                    float *v = &y[i * j->ldy + c];
                    *v = sg->mns[c] * *v + (sg->bias ? sg->bias[c] : 0.0f);
                }
        } else if (m->lora_bias != NULL) {
            for (int32_t i = 0; i < sg->len; i++)
                for (int64_t c = c0; c < c1; c++)
                    y[i * j->ldy + c] += sg->s * m->lora_bias[c];
        }
    }
}

static void phase1_worker(void *ctx, int ti, int nt)
{
    const lowrank_job *j = ctx;
    size_t b, e;
    tl_pool_share(j->total_rows, ti, nt, &b, &e);
    phase1(j, b, e);
}

static void phase2_worker(void *ctx, int ti, int nt)
{
    const lowrank_job *j = ctx;
    size_t b, e;
    tl_pool_share((size_t)j->out, ti, nt, &b, &e);
    phase2(j, (int64_t)b, (int64_t)e);
}

static void run_lowrank(lowrank_job *j)
{
    size_t macs = 0;
    for (int g = 0; g < j->n_segs; g++) {
        j->total_rows += (size_t)j->segs[g].len;
        macs += (size_t)j->segs[g].len * (size_t)j->segs[g].mod->rank *
                (size_t)(j->segs[g].mod->in + j->segs[g].mod->out);
    }
    if (j->total_rows == 0)
        return;
    if (macs < tl_lora_inline_macs || tl_pool_size(j->s->pool) == 1 || !tl_blas_single_threaded()) {
        /* small, or OpenBLAS' own threads split each call */
        phase1(j, 0, j->total_rows);
        phase2(j, 0, j->out);
        return;
    }
    tl_pool_run(j->s->pool, phase1_worker, j);
    tl_pool_run(j->s->pool, phase2_worker, j);
}

/* The set all n rows share; `mixed` when they do not share one. */
static tl_lora_set *common_set(const tl_lora_state *st, const int32_t *row_seq, int n, bool *mixed)
{
    tl_lora_set *set = st->seq_set[row_seq[0]];
    *mixed = false;
    for (int t = 1; t < n; t++)
        if (st->seq_set[row_seq[t]] != set) {
            *mixed = true;
            return NULL;
        }
    return set;
}

/* Maximal runs of consecutive rows with one set (sets that do not touch
 * the slot are skipped). */
static int segments(tl_lora_state *st, const int32_t *row_seq, int n, int slot)
{
    int ns = 0;
    for (int t = 0; t < n;) {
        tl_lora_set *set = st->seq_set[row_seq[t]];
        int b = t;
        while (t < n && st->seq_set[row_seq[t]] == set)
            t++;
        if (set == NULL || !set->touched[slot])
            continue;
        st->seg_begin[ns] = b;
        st->seg_len[ns] = t - b;
        st->seg_set[ns] = set;
        ns++;
    }
    return ns;
}

static bool hook_weight(const tl_session *s, int layer, tl_module m, int n,
                        const int32_t *row_seq, const tl_weight **w, const float **b)
{
    const tl_lora_state *st = s->lora;
    if (!st->active || n == 0)
        return false;
    int slot = tl_lora_slot(layer, (int)m);
    if (st->merged != NULL) {
        if (st->merged->w[slot].data == NULL)
            return false;
        *w = &st->merged->w[slot];
        *b = st->merged->b[slot];
        return true;
    }
    bool mixed;
    const tl_lora_set *set = common_set(st, row_seq, n, &mixed);
    if (set == NULL || (set->rep_w[slot] == NULL && set->rep_b[slot] == NULL))
        return false;
    if (set->rep_w[slot] != NULL)
        *w = set->rep_w[slot];
    if (set->rep_b[slot] != NULL)
        *b = set->rep_b[slot];
    return true;
}

/* A run whose set replaces the module's weight or bias when the whole call
 * did not use the replacement (a mixed batch): redo the run's rows. */
static void replace_rows(tl_session *s, const tl_lora_set *set, int layer, int module,
                         const float *x, const int32_t *tokens, int32_t begin, int32_t len,
                         float *y, int64_t ldy)
{
    int slot = tl_lora_slot(layer, module);
    const tl_weight *w;
    const float *b;
    tl_lora_base_weight(s->model, layer, module, &w, &b);
    const float *nb = set->rep_b[slot] ? set->rep_b[slot] : b;
    float *yr = y + (size_t)begin * (size_t)ldy;
    if (set->rep_w[slot] != NULL && tokens != NULL) {
        const tl_weight *e = set->rep_w[slot];
        size_t esz = tl_dtype_size(e->dtype);
        for (int32_t i = 0; i < len; i++)
            s->kt->widen[e->dtype]((const char *)e->data +
                                       (size_t)tokens[begin + i] * (size_t)e->cols * esz,
                                   yr + (size_t)i * (size_t)ldy, e->cols);
    } else if (set->rep_w[slot] != NULL) {
        tl_linear_with(s, set->rep_w[slot], nb, x + (size_t)begin * (size_t)w->cols, len, yr);
    } else if (set->rep_b[slot] != NULL) {
        for (int32_t i = 0; i < len; i++)
            for (int64_t c = 0; c < ldy; c++)
                yr[(size_t)i * (size_t)ldy + (size_t)c] += nb[c] - (b ? b[c] : 0.0f);
    }
}

/* Everything the active sets do to one slot after the model's product. */
static void apply(tl_session *s, int layer, int module, const float *x, const int32_t *tokens,
                  int n, const int32_t *row_seq, float *y, int64_t ldy)
{
    tl_lora_state *st = s->lora;
    if (!st->active || st->merged != NULL || n == 0)
        return;
    int slot = tl_lora_slot(layer, module);
    bool mixed;
    tl_lora_set *common = common_set(st, row_seq, n, &mixed);
    int ns = segments(st, row_seq, n, slot);
    if (ns == 0)
        return;
    const tl_weight *w;
    const float *base_b;
    tl_lora_base_weight(s->model, layer, module, &w, &base_b);
    size_t max_n = 0;
    for (int g = 0; g < ns; g++) {
        const tl_lora_set *set = st->seg_set[g];
        if (set != common && (set->rep_w[slot] || set->rep_b[slot]))
            replace_rows(s, set, layer, module, x, tokens, st->seg_begin[g], st->seg_len[g], y,
                         ldy);
        max_n = set->n > max_n ? set->n : max_n;
    }
    /* adapters in set order: step k applies the k-th adapter of each run */
    tl_lora_seg *segs = st->segs;
    for (size_t k = 0; k < max_n; k++) {
        int cnt = 0;
        for (int g = 0; g < ns; g++) {
            const tl_lora_set *set = st->seg_set[g];
            if (k >= set->n)
                continue;
            const tl_lora_entry *e = &set->e[k];
            int mi = e->ad->slot_mod[slot];
            if (mi < 0)
                continue;
            const tl_lora_module *m = &e->ad->mods[mi];
            segs[cnt++] = (tl_lora_seg){
                .begin = st->seg_begin[g],
                .len = st->seg_len[g],
                .mod = m,
                .s = (float)((double)e->scale * m->scaling),
                .mns = e->mns ? e->mns[slot] : NULL,
                .bias = set->rep_b[slot] ? set->rep_b[slot] : base_b,
            };
        }
        if (cnt == 0)
            continue;
        lowrank_job j = {.s = s, .segs = segs, .n_segs = cnt, .x = x, .tokens = tokens, .y = y,
                         .ldy = ldy, .out = ldy, .t = st->t, .ldt = st->ld_t};
        run_lowrank(&j);
    }
}

static void hook_linear(tl_session *s, int layer, tl_module m, const float *x, int n,
                        const int32_t *row_seq, float *y)
{
    const tl_weight *w;
    const float *b;
    tl_lora_base_weight(s->model, layer, (int)m, &w, &b);
    apply(s, layer, (int)m, x, NULL, n, row_seq, y, w->rows);
}

static void hook_embed(tl_session *s, const int32_t *tokens, int n, const int32_t *row_seq,
                       float *x)
{
    apply(s, -1, TL_MOD_EMBED, NULL, tokens, n, row_seq, x, s->model->cfg.n_embd);
}

static tabllm_status hook_reserve(tl_session *s, size_t rows)
{
    tl_lora_state *st = s->lora;
    if (!st->active)
        return TABLLM_OK;
    int max_rank = 1;
    for (uint32_t q = 0; q < s->n_seq; q++)
        if (st->seq_set[q] != NULL && st->seq_set[q]->max_rank > max_rank)
            max_rank = st->seq_set[q]->max_rank;
    size_t need;
    if (!tl_size_mul(rows, (size_t)max_rank, &need))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "adapter scratch for %zu rows", rows);
    tabllm_status rc;
    if (need > st->cap_t) {
        float *t;
        if ((rc = tl_alloc_array((void **)&t, need, sizeof *t, "adapter scratch")))
            return rc;
        tl_free(st->t);
        st->t = t;
        st->cap_t = need;
    }
    if (rows > st->cap_rows) {
        /* all or nothing, so a failure leaves the old buffers in place */
        int32_t *b = NULL, *l = NULL;
        tl_lora_set **set = NULL;
        tl_lora_seg *segs = NULL;
        if ((rc = tl_alloc_array((void **)&b, rows, sizeof *b, "adapter segments")) ||
            (rc = tl_alloc_array((void **)&l, rows, sizeof *l, "adapter segments")) ||
            (rc = tl_alloc_array((void **)&set, rows, sizeof *set, "adapter segments")) ||
            (rc = tl_alloc_array((void **)&segs, rows, sizeof *segs, "adapter segments"))) {
            tl_free(b);
            tl_free(l);
            tl_free(set);
            return rc;
        }
        tl_free(st->seg_begin);
        tl_free(st->seg_len);
        tl_free(st->seg_set);
        tl_free(st->segs);
        st->seg_begin = b;
        st->seg_len = l;
        st->seg_set = set;
        st->segs = segs;
        st->cap_rows = rows;
    }
    st->ld_t = max_rank;
    return TABLLM_OK;
}

const tl_adapter_hooks tl_lora_hooks = {
    .weight = hook_weight,
    .linear = hook_linear,
    .embed = hook_embed,
    .reserve = hook_reserve,
    .free = tl_lora_state_free,
};
