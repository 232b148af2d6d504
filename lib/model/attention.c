/* Causal grouped-query attention of a batch's rows over the KV cache.
 *
 * The batch's keys and values are already in the cache, so a row at
 * position p of sequence s attends to cells 0..p of s (or the last
 * `sliding_window` of them on sliding layers): causality per sequence falls
 * out of the cache layout. Work is split into items (a block of up to QB
 * consecutive rows of one sequence) x (one query head), handed out
 * statically over the session's threads. A block of several rows does its
 * two products with SGEMM; a single decode row uses dot products. */
#include <cblas.h>
#include <math.h>

#include "model/session.h"

#define QB 32 /* query rows per work item */

typedef struct attn_job {
    tl_session *s;
    int layer;
    int n_blocks;
    const int32_t *block_row; /* first row of each block */
    const int32_t *block_len;
    bool gemm;
} attn_job;

static void attend_item(const attn_job *j, int b, int h, float *scores)
{
    tl_session *s = j->s;
    const tl_model_config *c = &s->model->cfg;
    const int hd = c->head_dim, qdim = c->n_heads * hd, kvdim = c->n_kv_heads * hd;
    const int kvh = h / (c->n_heads / c->n_kv_heads);
    const int row0 = j->block_row[b], nrows = j->block_len[b];
    const int seq = s->seq[row0];
    const int window = c->layer_sliding[j->layer] ? c->sliding_window : 0;
    const float scale = 1.0f / sqrtf((float)hd);
    const int p_first = s->pos[row0], p_last = s->pos[row0 + nrows - 1];
    int k_lo = window > 0 && p_first - window + 1 > 0 ? p_first - window + 1 : 0;
    const int nk = p_last + 1 - k_lo;
    size_t cache = (size_t)j->layer * s->kv_layer_stride + (size_t)seq * s->kv_seq_stride;
    const float *K = s->k_cache + cache + (size_t)k_lo * kvdim + (size_t)kvh * hd; /* [nk, hd] */
    const float *V = s->v_cache + cache + (size_t)k_lo * kvdim + (size_t)kvh * hd; /* [nk, hd] */
    const float *Q = s->q + (size_t)row0 * qdim + (size_t)h * hd;                 /* [nrows, hd] */
    float *O = s->att + (size_t)row0 * qdim + (size_t)h * hd;                     /* [nrows, hd] */

    /* scores: [nrows, nk] = Q Kᵀ · scale */
    if (j->gemm && nrows > 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nrows, nk, hd, scale, Q, qdim, K,
                    kvdim, 0.0f, scores, nk);
    } else {
        for (int i = 0; i < nrows; i++) {
            int hi = s->pos[row0 + i] - k_lo; /* last visible key of this row */
            for (int t = 0; t <= hi; t++)
                scores[(size_t)i * nk + t] =
                    s->kt->dot(Q + (size_t)i * qdim, K + (size_t)t * kvdim, hd) * scale;
        }
    }
    /* mask and softmax each row over its visible keys [lo, hi] */
    for (int i = 0; i < nrows; i++) {
        int p = s->pos[row0 + i];
        int hi = p - k_lo;
        int lo = window > 0 && p - window + 1 > k_lo ? p - window + 1 - k_lo : 0;
        float *row = scores + (size_t)i * nk;
        for (int t = 0; t < lo; t++)
            row[t] = 0;
        s->kt->softmax(row + lo, hi - lo + 1);
        for (int t = hi + 1; t < nk; t++)
            row[t] = 0;
    }
    /* out: [nrows, hd] = scores V */
    if (j->gemm && nrows > 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nrows, hd, nk, 1.0f, scores, nk, V,
                    kvdim, 0.0f, O, qdim);
    } else {
        for (int i = 0; i < nrows; i++) {
            float *o = O + (size_t)i * qdim;
            for (int d = 0; d < hd; d++)
                o[d] = 0;
            int p = s->pos[row0 + i];
            int lo = window > 0 && p - window + 1 > k_lo ? p - window + 1 - k_lo : 0;
            for (int t = lo; t <= p - k_lo; t++)
                s->kt->axpy(scores[(size_t)i * nk + t], V + (size_t)t * kvdim, o, hd);
        }
    }
}

static void attn_worker(void *ctx, int ti, int nt)
{
    const attn_job *j = ctx;
    int n_heads = j->s->model->cfg.n_heads;
    size_t begin, end;
    tl_pool_share((size_t)j->n_blocks * (size_t)n_heads, ti, nt, &begin, &end);
    float *scores = j->s->scratch + (size_t)ti * j->s->scratch_floats;
    for (size_t it = begin; it < end; it++)
        attend_item(j, (int)(it / (size_t)n_heads), (int)(it % (size_t)n_heads), scores);
}

void tl_attention(tl_session *s, int layer, int n)
{
    /* blocks: runs of consecutive rows of one sequence, cut at QB rows */
    int nb = 0;
    for (int r = 0; r < n;) {
        int e = r + 1;
        while (e < n && e - r < QB && s->seq[e] == s->seq[r])
            e++;
        s->block_row[nb] = r;
        s->block_len[nb] = e - r;
        nb++;
        r = e;
    }
    attn_job j = {.s = s, .layer = layer, .n_blocks = nb, .block_row = s->block_row,
                  .block_len = s->block_len, .gemm = tl_blas_single_threaded()};
    tl_pool_run(s->pool, attn_worker, &j);
}

size_t tl_attention_scratch(uint32_t n_ctx)
{
    return (size_t)QB * n_ctx;
}
