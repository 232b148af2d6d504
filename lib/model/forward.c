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

/* q/k norm (Qwen3) and RoPE on every head of q [n, n_heads*hd] and k [n, n_kv*hd]. */
static void qk_rotate(tl_session *s, const tl_layer *l, int n)
{
    const tl_model_config *c = &s->model->cfg;
    const int hd = c->head_dim, half = hd / 2;
    for (int t = 0; t < n; t++) {
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

void tl_forward(tl_session *s)
{
    const tl_model *m = s->model;
    const tl_model_config *c = &m->cfg;
    const int n = (int)s->n_rows, D = c->n_embd, F = c->n_ff;
    const size_t ND = (size_t)n * (size_t)D;

    rope_tables(s, n);
    tl_embed_rows(s, s->tok, n, s->seq, s->x); /* x: [n, D] */

    for (int L = 0; L < c->n_layers; L++) {
        const tl_layer *l = &m->layers[L];
        /* attention block */
        for (int t = 0; t < n; t++)
            tl_rmsnorm(s->xn + (size_t)t * D, s->x + (size_t)t * D, l->attn_norm, D, c->norm_eps);
        tl_linear(s, L, TL_MOD_Q, s->xn, n, s->seq, s->q); /* q: [n, H*hd] */
        tl_linear(s, L, TL_MOD_K, s->xn, n, s->seq, s->k); /* k: [n, KV*hd] */
        tl_linear(s, L, TL_MOD_V, s->xn, n, s->seq, s->v); /* v: [n, KV*hd] */
        qk_rotate(s, l, n);
        cache_store(s, L, n);
        tl_attention(s, L, n);                                /* att: [n, H*hd] */
        tl_linear(s, L, TL_MOD_O, s->att, n, s->seq, s->xn); /* xn: [n, D] */
        add_rows(s->x, s->xn, ND);

        /* feed-forward block (SwiGLU) */
        for (int t = 0; t < n; t++)
            tl_rmsnorm(s->xn + (size_t)t * D, s->x + (size_t)t * D, l->ffn_norm, D, c->norm_eps);
        tl_linear(s, L, TL_MOD_GATE, s->xn, n, s->seq, s->gate); /* gate: [n, F] */
        tl_linear(s, L, TL_MOD_UP, s->xn, n, s->seq, s->up);     /* up: [n, F] */
        tl_swiglu(s->gate, s->up, n * F);
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
