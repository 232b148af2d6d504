/* Every projection of the forward pass: y[n, out] = x[n, in] · Wᵀ + b.
 *
 * Two paths, both split over the session's threads by output rows (so the
 * reduction order of each output, and so the result, depends only on the
 * thread count):
 *  - few rows (decode): the rows kernel streams each weight row once and
 *    dots it with every input row;
 *  - many rows (prefill, big batches): OpenBLAS SGEMM. F32 weights are used
 *    in place; F16/BF16 weights are widened tile by tile into per-thread
 *    scratch first (the widening is O(out·in), the product O(n·out·in)).
 * OpenBLAS' thread count is process-wide and the library does not change
 * it: when it is 1 each session thread calls SGEMM on its own slice; when it
 * is more, one call per tile is made from the calling thread and OpenBLAS'
 * threads share it (docs/model.md, "Threads and OpenBLAS"). */
#include <cblas.h>

#include "model/session.h"

/* Below this many rows the rows kernel beats SGEMM's packing. */
#define GEMM_MIN_ROWS 8
/* Weight rows widened at a time for F16/BF16 SGEMM. */
#define GEMM_TILE_ROWS 128

const char *tl_module_name(tl_module m)
{
    static const char *names[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                  "up_proj", "down_proj", "lm_head", "embed_tokens"};
    return m < TL_MOD_COUNT ? names[m] : "?";
}

bool tl_blas_single_threaded(void)
{
    return openblas_get_num_threads() <= 1;
}

static void select_weight(const tl_model *m, int layer, tl_module mod, const tl_weight **w,
                          const float **b)
{
    const tl_layer *l = layer >= 0 ? &m->layers[layer] : NULL;
    *b = NULL;
    switch (mod) {
    case TL_MOD_Q: *w = &l->wq; *b = l->bq; break;
    case TL_MOD_K: *w = &l->wk; *b = l->bk; break;
    case TL_MOD_V: *w = &l->wv; *b = l->bv; break;
    case TL_MOD_O: *w = &l->wo; *b = l->bo; break;
    case TL_MOD_GATE: *w = &l->w_gate; *b = l->b_gate; break;
    case TL_MOD_UP: *w = &l->w_up; *b = l->b_up; break;
    case TL_MOD_DOWN: *w = &l->w_down; *b = l->b_down; break;
    case TL_MOD_EMBED: *w = &m->tok_embd; break;
    case TL_MOD_LM_HEAD:
    default: *w = &m->output; break;
    }
}

/* One to three projections of the same input, computed in one parallel
 * step: their output rows are laid end to end and split over the threads
 * as one range, so a decode step pays one synchronisation for q, k and v
 * (and one for gate and up) instead of one per matrix. */
#define MAX_GROUP 3

typedef struct linear_job {
    tl_session *s;
    int count;
    const tl_weight *w[MAX_GROUP];
    const float *bias[MAX_GROUP];
    float *y[MAX_GROUP];
    int64_t total_rows;
    const float *x;
    int n;
    bool gemm;
} linear_job;

/* y[:, r0:r1] for all rows of x via SGEMM. */
static void gemm_slice(const linear_job *j, const tl_weight *w, float *y, float *scratch,
                       int64_t r0, int64_t r1)
{
    const int64_t in = w->cols, out = w->rows;
    if (w->dtype == TL_DTYPE_F32) {
        if (r1 > r0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->n, (int)(r1 - r0), (int)in,
                        1.0f, j->x, (int)in, (const float *)w->data + r0 * in, (int)in, 0.0f,
                        y + r0, (int)out);
        return;
    }
    tl_widen_fn widen = j->s->kt->widen[w->dtype];
    size_t esz = tl_dtype_size(w->dtype);
    for (int64_t t0 = r0; t0 < r1; t0 += GEMM_TILE_ROWS) {
        int64_t t1 = t0 + GEMM_TILE_ROWS < r1 ? t0 + GEMM_TILE_ROWS : r1;
        widen((const char *)w->data + (size_t)(t0 * in) * esz, scratch, (t1 - t0) * in);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->n, (int)(t1 - t0), (int)in, 1.0f,
                    j->x, (int)in, scratch, (int)in, 0.0f, y + t0, (int)out);
    }
}

static void add_bias(const linear_job *j, const float *bias, float *y, int64_t out, int64_t r0,
                     int64_t r1)
{
    if (bias == NULL)
        return;
    for (int t = 0; t < j->n; t++) {
        float *yt = y + t * out;
        for (int64_t r = r0; r < r1; r++)
            yt[r] += bias[r];
    }
}

static void linear_worker(void *ctx, int ti, int nt)
{
    const linear_job *j = ctx;
    size_t begin, end;
    tl_pool_share((size_t)j->total_rows, ti, nt, &begin, &end);
    int64_t base = 0;
    for (int m = 0; m < j->count; m++) {
        const tl_weight *w = j->w[m];
        int64_t r0 = (int64_t)begin - base, r1 = (int64_t)end - base;
        base += w->rows;
        r0 = r0 < 0 ? 0 : r0;
        r1 = r1 > w->rows ? w->rows : r1;
        if (r1 <= r0)
            continue;
        if (j->gemm)
            gemm_slice(j, w, j->y[m], j->s->scratch + (size_t)ti * j->s->scratch_floats, r0, r1);
        else
            j->s->kt->rows[w->dtype](w, r0, r1, j->x, j->n, j->y[m], w->rows);
        add_bias(j, j->bias[m], j->y[m], w->rows, r0, r1);
    }
}

void tl_linear_group(tl_session *s, int layer, const tl_module *modules, int count,
                     const float *x, int n, const int32_t *row_seq, float *const *y)
{
    (void)row_seq; /* per-sequence adapters will use it */
    linear_job j = {.s = s, .count = count, .x = x, .n = n, .gemm = n >= GEMM_MIN_ROWS};
    for (int m = 0; m < count; m++) {
        select_weight(s->model, layer, modules[m], &j.w[m], &j.bias[m]);
        j.y[m] = y[m];
        j.total_rows += j.w[m]->rows;
    }
    if (j.gemm && !tl_blas_single_threaded())
        linear_worker(&j, 0, 1); /* OpenBLAS' own threads split each call */
    else
        tl_pool_run(s->pool, linear_worker, &j);
}

void tl_linear(tl_session *s, int layer, tl_module module, const float *x, int n,
               const int32_t *row_seq, float *y)
{
    tl_linear_group(s, layer, &module, 1, x, n, row_seq, &y);
}

void tl_embed_rows(tl_session *s, const int32_t *tokens, int n, const int32_t *row_seq, float *x)
{
    (void)row_seq;
    const tl_weight *e = &s->model->tok_embd;
    size_t esz = tl_dtype_size(e->dtype);
    for (int t = 0; t < n; t++)
        s->kt->widen[e->dtype]((const char *)e->data + (size_t)tokens[t] * (size_t)e->cols * esz,
                               x + (size_t)t * (size_t)e->cols, e->cols);
}

size_t tl_linear_scratch(const tl_model *m)
{
    const tl_model_config *c = &m->cfg;
    size_t in = (size_t)c->n_embd;
    if ((size_t)c->n_ff > in)
        in = (size_t)c->n_ff;
    if ((size_t)c->n_heads * (size_t)c->head_dim > in)
        in = (size_t)c->n_heads * (size_t)c->head_dim;
    return GEMM_TILE_ROWS * in;
}
