/* Every projection of the forward pass: y[n, out] = x[n, in] · Wᵀ + b.
 *
 * Two paths, both split over the session's threads by output rows (so the
 * reduction order of each output, and so the result, depends only on the
 * thread count):
 *  - few rows (decode): the rows kernel streams each weight row once and
 *    dots it with every input row;
 *  - many rows (prefill, big batches): OpenBLAS SGEMM for F32 weights, the
 *    library's blocked GEMM (gemm_avx2.c) for F16, BF16 and Q8_0 weights,
 *    widened block by block into per-thread scratch (O(out·in) next to the
 *    product's O(n·out·in)).
 * Q8_0 weights in decode multiply int8 by int8: the input rows are
 * quantized once per call (q8_avx2.c). Work is handed out in chunks of
 * output rows from a shared counter (tl_pool_run_items); each output row is
 * computed the same way whichever thread takes it.
 * OpenBLAS' thread count is process-wide and the library does not change
 * it: when it is 1 each session thread calls SGEMM on its own slice; when it
 * is more, one call per tile is made from the calling thread and OpenBLAS'
 * threads share it (docs/model.md, "Threads and OpenBLAS"). */
#include <cblas.h>

#include "model/session.h"

/* Below this many rows the rows kernel beats SGEMM's packing. */
#define GEMM_MIN_ROWS TL_LINEAR_GEMM_MIN_ROWS

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
    const int8_t *xq; /* x quantized for Q8_0 weights in decode */
    const float *xd;
} linear_job;

/* y[:, r0:r1] for all rows of x: OpenBLAS SGEMM for F32 weights, the
 * library's own blocked GEMM (gemm_avx2.c) for weights kept in F16, BF16 or
 * Q8_0, which widens them block by block and never makes a float copy. */
static void gemm_slice(const linear_job *j, const tl_weight *w, float *y, float *scratch,
                       int64_t r0, int64_t r1)
{
    const int64_t in = w->cols, out = w->rows;
    if (w->dtype == TL_DTYPE_F32) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->n, (int)(r1 - r0), (int)in, 1.0f,
                    j->x, (int)in, (const float *)w->data + r0 * in, (int)in, 0.0f, y + r0,
                    (int)out);
        return;
    }
    j->s->kt->gemm[w->dtype](w, r0, r1, j->x, in, j->n, y, out, scratch);
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

/* The rows [r0, r1) of the group's concatenated outputs, matrix by
 * matrix. */
static void linear_rows(const linear_job *j, int64_t begin, int64_t end, int ti)
{
    int64_t base = 0;
    for (int m = 0; m < j->count; m++) {
        const tl_weight *w = j->w[m];
        int64_t r0 = begin - base, r1 = end - base;
        base += w->rows;
        r0 = r0 < 0 ? 0 : r0;
        r1 = r1 > w->rows ? w->rows : r1;
        if (r1 <= r0)
            continue;
        if (j->gemm)
            gemm_slice(j, w, j->y[m], j->s->scratch + (size_t)ti * j->s->scratch_floats, r0, r1);
        else if (w->dtype == TL_DTYPE_Q8_0)
            j->s->kt->rows_q8(w, r0, r1, j->xq, j->xd, j->n, j->y[m], w->rows);
        else
            j->s->kt->rows[w->dtype](w, r0, r1, j->x, j->n, j->y[m], w->rows);
        add_bias(j, j->bias[m], j->y[m], w->rows, r0, r1);
    }
}

static void linear_items(void *ctx, size_t begin, size_t end, int ti)
{
    linear_job *j = ctx;
    linear_rows(j, (int64_t)begin, (int64_t)end, ti);
}

/* Output rows per work item: about DECODE_CHUNK_BYTES of weights for the
 * rows kernel (small enough that a thread the OS deschedules holds back
 * little, large enough that taking an item costs nothing next to it);
 * GEMM_CHUNK_ROWS for products of many rows. A multiple of 4, the rows
 * kernel's tile. */
#define DECODE_CHUNK_BYTES (128u << 10)
#define GEMM_CHUNK_ROWS 128

static size_t chunk_rows(const linear_job *j)
{
    if (j->gemm)
        return GEMM_CHUNK_ROWS;
    const tl_weight *w = j->w[0];
    size_t row_bytes = (size_t)w->cols * tl_dtype_size(w->dtype) * (size_t)j->n;
    size_t rows = DECODE_CHUNK_BYTES / (row_bytes ? row_bytes : 1);
    rows &= ~(size_t)3;
    return rows < 4 ? 4 : rows;
}

static void linear_run(linear_job *j)
{
    tl_session *s = j->s;
    bool all_f32 = true, any_q8 = false;
    for (int m = 0; m < j->count; m++) {
        all_f32 &= j->w[m]->dtype == TL_DTYPE_F32;
        any_q8 |= j->w[m]->dtype == TL_DTYPE_Q8_0;
    }
    if (any_q8 && !j->gemm) {
        /* once per call, not per chunk: every chunk reads the same input */
        const int64_t in = j->w[0]->cols;
        for (int t = 0; t < j->n; t++)
            s->kt->quantize_q8(j->x + t * in, in, s->xq + t * in,
                               s->xd + t * (in / TL_Q8_BLOCK));
        j->xq = s->xq;
        j->xd = s->xd;
    }
    if (j->gemm && all_f32 && !tl_blas_single_threaded())
        linear_rows(j, 0, j->total_rows, 0); /* OpenBLAS' own threads split each call */
    else
        tl_pool_run_items(s->pool, (size_t)j->total_rows, chunk_rows(j), linear_items, j);
}

void tl_linear_group(tl_session *s, int layer, const tl_module *modules, int count,
                     const float *x, int n, const int32_t *row_seq, float *const *y)
{
    const tl_adapter_hooks *h = s->adapter_hooks;
    linear_job j = {.s = s, .count = count, .x = x, .n = n, .gemm = n >= GEMM_MIN_ROWS};
    for (int m = 0; m < count; m++) {
        select_weight(s->model, layer, modules[m], &j.w[m], &j.bias[m]);
        if (h != NULL)
            h->weight(s, layer, modules[m], n, row_seq, &j.w[m], &j.bias[m]);
        j.y[m] = y[m];
        j.total_rows += j.w[m]->rows;
    }
    linear_run(&j);
    for (int m = 0; h != NULL && m < count; m++)
        h->linear(s, layer, modules[m], x, n, row_seq, y[m]);
}

void tl_linear_with(tl_session *s, const tl_weight *w, const float *b, const float *x, int n,
                    float *y)
{
    linear_job j = {.s = s, .count = 1, .x = x, .n = n, .gemm = n >= GEMM_MIN_ROWS,
                    .w = {w}, .bias = {b}, .y = {y}, .total_rows = w->rows};
    linear_run(&j);
}

void tl_linear(tl_session *s, int layer, tl_module module, const float *x, int n,
               const int32_t *row_seq, float *y)
{
    tl_linear_group(s, layer, &module, 1, x, n, row_seq, &y);
}

void tl_embed_rows(tl_session *s, const int32_t *tokens, int n, const int32_t *row_seq, float *x)
{
    const tl_adapter_hooks *h = s->adapter_hooks;
    const tl_weight *e = &s->model->tok_embd;
    const float *unused;
    if (h != NULL)
        h->weight(s, -1, TL_MOD_EMBED, n, row_seq, &e, &unused);
    size_t esz = tl_dtype_size(e->dtype);
    for (int t = 0; t < n; t++)
        s->kt->widen[e->dtype]((const char *)e->data + (size_t)tokens[t] * (size_t)e->cols * esz,
                               x + (size_t)t * (size_t)e->cols, e->cols);
    if (h != NULL)
        h->embed(s, tokens, n, row_seq, x);
}

size_t tl_linear_scratch(const tl_model *m)
{
    const tl_model_config *c = &m->cfg;
    size_t in = (size_t)c->n_embd;
    if ((size_t)c->n_ff > in)
        in = (size_t)c->n_ff;
    if ((size_t)c->n_heads * (size_t)c->head_dim > in)
        in = (size_t)c->n_heads * (size_t)c->head_dim;
    /* the packed GEMM block; the scalar reference widens a whole row */
    return in > TL_GEMM_SCRATCH_FLOATS ? in : TL_GEMM_SCRATCH_FLOATS;
}

size_t tl_linear_max_in(const tl_model *m)
{
    const tl_model_config *c = &m->cfg;
    size_t in = (size_t)c->n_embd;
    if ((size_t)c->n_ff > in)
        in = (size_t)c->n_ff;
    if ((size_t)c->n_heads * (size_t)c->head_dim > in)
        in = (size_t)c->n_heads * (size_t)c->head_dim;
    return in;
}
