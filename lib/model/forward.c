/* The forward pass of a Llama-family decoder over one batch, the way
 * transformers' LlamaModel/Qwen2Model/Qwen3Model/MistralModel compute it.
 * The batch (s->tok, s->pos, s->seq: n rows) was checked and staged by
 * tabllm_session_decode(); this only computes.
 *
 *   x = embed(tokens)
 *   for each layer:
 *     h = rmsnorm(x) · attn_norm
 *     q, k, v = h·Wqᵀ (+bq), h·Wkᵀ (+bk), h·Wvᵀ (+bv)
 *     q, k = rmsnorm per head (Qwen3); rope(q), rope(k)
 *     cache[k, v] at each row's (sequence, position)
 *     x += attention(q, cache) · Woᵀ (+bo)
 *     h = rmsnorm(x) · ffn_norm
 *     x += (silu(h·Wgᵀ) * (h·Wuᵀ)) · Wdᵀ
 *   out = rmsnorm(x) · out_norm, for the rows asked for
 *   logits = out · Wlmᵀ                                                       */
#include <math.h>
#include <string.h>

#include "model/session.h"

/* cos/sin of every row's position: [n, head_dim/2] each. */
static void rope_tables(tl_session *s, int n)
{
    const tl_model_config *c = &s->model->cfg;
    const int half = c->head_dim / 2;
    if (c->rope.type == TL_ROPE_DYNAMIC) {
        /* transformers' dynamic_rope_update: grow the base when a forward
         * sees a longer sequence than any before; go back to the original
         * frequencies once sequences are short again. */
        int64_t seq_len = 0;
        for (int t = 0; t < n; t++)
            if (s->pos[t] + 1 > seq_len)
                seq_len = s->pos[t] + 1;
        if (seq_len > s->rope_cached_len) {
            tl_rope_inv_freq(&c->rope, seq_len, s->inv_freq, &s->rope_mscale);
            s->rope_cached_len = seq_len;
        }
        if (seq_len < c->rope.max_pos && s->rope_cached_len > c->rope.max_pos) {
            tl_rope_inv_freq(&c->rope, 0, s->inv_freq, &s->rope_mscale);
            s->rope_cached_len = c->rope.max_pos;
        }
    }
    for (int t = 0; t < n; t++) {
        float p = (float)s->pos[t];
        float *cs = s->rope_cos + (size_t)t * half, *sn = s->rope_sin + (size_t)t * half;
        for (int i = 0; i < half; i++) {
            float angle = p * s->inv_freq[i]; /* float32 product, as torch */
            cs[i] = (float)cos((double)angle) * s->rope_mscale;
            sn[i] = (float)sin((double)angle) * s->rope_mscale;
        }
    }
}

/* q/k norm (Qwen3) and RoPE on every head of rows [t0, t1) of
 * q [n, n_heads*hd] and k [n, n_kv*hd]. */
static void qk_rotate_rows(tl_session *s, const tl_layer *l, int t0, int t1)
{
    const tl_model_config *c = &s->model->cfg;
    const int hd = c->head_dim, half = hd / 2;
    for (int t = t0; t < t1; t++) {
        const float *cs = s->rope_cos + (size_t)t * half, *sn = s->rope_sin + (size_t)t * half;
        for (int h = 0; h < c->n_heads; h++) {
            float *qh = s->q + ((size_t)t * c->n_heads + h) * hd;
            if (l->q_norm)
                tl_rmsnorm(qh, qh, l->q_norm, hd, c->norm_eps);
            tl_rope_apply(qh, cs, sn, hd);
        }
        for (int h = 0; h < c->n_kv_heads; h++) {
            float *kh = s->k + ((size_t)t * c->n_kv_heads + h) * hd;
            if (l->k_norm)
                tl_rmsnorm(kh, kh, l->k_norm, hd, c->norm_eps);
            tl_rope_apply(kh, cs, sn, hd);
        }
    }
}

/* k, v rows [n, kv_dim] into their cache cells. */
static void cache_store(tl_session *s, int layer, int n)
{
    const tl_model_config *c = &s->model->cfg;
    const size_t kvdim = (size_t)c->n_kv_heads * c->head_dim;
    for (int t = 0; t < n; t++) {
        size_t cell = (size_t)layer * s->kv_layer_stride + (size_t)s->seq[t] * s->kv_seq_stride +
                      (size_t)s->pos[t] * kvdim;
        memcpy(s->k_cache + cell, s->k + (size_t)t * kvdim, kvdim * sizeof(float));
        memcpy(s->v_cache + cell, s->v + (size_t)t * kvdim, kvdim * sizeof(float));
    }
}

static void add_rows(float *x, const float *y, size_t count)
{
    for (size_t i = 0; i < count; i++)
        x[i] += y[i];
}

/* The row-wise steps between projections, split over the session's threads
 * by rows (they are cheap next to the projections, but not free at 512
 * rows: SwiGLU alone is n·n_ff exponentials). */
typedef struct rows_job {
    tl_session *s;
    const tl_layer *l;
    int n;
    enum { JOB_ATTN_NORM, JOB_FFN_NORM, JOB_QK_ROTATE, JOB_SWIGLU } what;
} rows_job;

static void qk_rotate_rows(tl_session *s, const tl_layer *l, int t0, int t1);

static void rows_worker(void *ctx, int ti, int nt)
{
    const rows_job *j = ctx;
    tl_session *s = j->s;
    const tl_model_config *c = &s->model->cfg;
    const int D = c->n_embd, F = c->n_ff;
    size_t b, e;
    tl_pool_share((size_t)j->n, ti, nt, &b, &e);
    for (size_t t = b; t < e && j->what != JOB_QK_ROTATE; t++) {
        switch (j->what) {
        case JOB_ATTN_NORM:
            tl_rmsnorm(s->xn + t * D, s->x + t * D, j->l->attn_norm, D, c->norm_eps);
            break;
        case JOB_FFN_NORM:
            tl_rmsnorm(s->xn + t * D, s->x + t * D, j->l->ffn_norm, D, c->norm_eps);
            break;
        default:
            s->kt->swiglu(s->gate + t * F, s->up + t * F, F);
            break;
        }
    }
    if (j->what == JOB_QK_ROTATE)
        qk_rotate_rows(s, j->l, (int)b, (int)e);
}

static void run_rows(tl_session *s, const tl_layer *l, int n, int what)
{
    rows_job j = {.s = s, .l = l, .n = n, .what = what};
    if (n < 8)
        rows_worker(&j, 0, 1); /* a decode step: not worth a synchronisation */
    else
        tl_pool_run(s->pool, rows_worker, &j);
}

void tl_forward(tl_session *s)
{
    const tl_model *m = s->model;
    const tl_model_config *c = &m->cfg;
    const int n = (int)s->n_rows, D = c->n_embd;
    const size_t ND = (size_t)n * (size_t)D;
    static const tl_module qkv[3] = {TL_MOD_Q, TL_MOD_K, TL_MOD_V};
    static const tl_module gate_up[2] = {TL_MOD_GATE, TL_MOD_UP};

    rope_tables(s, n);
    tl_embed_rows(s, s->tok, n, s->seq, s->x); /* x: [n, D] */

    for (int L = 0; L < c->n_layers; L++) {
        const tl_layer *l = &m->layers[L];
        /* attention block */
        run_rows(s, l, n, JOB_ATTN_NORM);                    /* xn: [n, D] */
        /* q: [n, H*hd], k: [n, KV*hd], v: [n, KV*hd] */
        tl_linear_group(s, L, qkv, 3, s->xn, n, s->seq, (float *const[]){s->q, s->k, s->v});
        run_rows(s, l, n, JOB_QK_ROTATE);
        cache_store(s, L, n);
        tl_attention(s, L, n);                                /* att: [n, H*hd] */
        tl_linear(s, L, TL_MOD_O, s->att, n, s->seq, s->xn); /* xn: [n, D] */
        add_rows(s->x, s->xn, ND);

        /* feed-forward block (SwiGLU) */
        run_rows(s, l, n, JOB_FFN_NORM);
        /* gate: [n, F], up: [n, F] */
        tl_linear_group(s, L, gate_up, 2, s->xn, n, s->seq, (float *const[]){s->gate, s->up});
        run_rows(s, l, n, JOB_SWIGLU); /* gate = silu(gate) * up */
        tl_linear(s, L, TL_MOD_DOWN, s->gate, n, s->seq, s->xn); /* xn: [n, D] */
        add_rows(s->x, s->xn, ND);
    }

    /* final norm of the rows that want an output: hidden [n_out, D] */
    bool keep = (s->flags & TABLLM_SESSION_KEEP_HIDDEN) != 0;
    for (uint32_t o = 0; o < s->n_out; o++) {
        int t = s->out_rows[o];
        float *h = s->hidden + (size_t)o * D;
        tl_rmsnorm(h, s->x + (size_t)t * D, m->out_norm, D, c->norm_eps);
        if (keep)
            memcpy(s->hidden_store + ((size_t)s->seq[t] * s->n_ctx + (size_t)s->pos[t]) * D, h,
                   (size_t)D * sizeof(float));
    }
    /* logits for the rows that asked: [n_logits, V]. The hidden rows of
     * those are gathered to the front so lm_head runs on them alone. */
    int n_logits = 0;
    for (uint32_t o = 0; o < s->n_out; o++) {
        int t = s->out_rows[o];
        if (s->logit_index[t] < 0)
            continue;
        memcpy(s->xn + (size_t)n_logits * D, s->hidden + (size_t)o * D, (size_t)D * sizeof(float));
        s->out_seq[n_logits] = s->seq[t];
        n_logits++;
    }
    if (n_logits > 0)
        tl_linear(s, -1, TL_MOD_LM_HEAD, s->xn, n_logits, s->out_seq, s->logits);
}
