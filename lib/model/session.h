/* The session: a model in use. It owns the KV cache, the activation buffers
 * of the current batch, per-thread scratch, the thread pool and the sampling
 * generator. One thread at a time. */
#ifndef TL_MODEL_SESSION_H
#define TL_MODEL_SESSION_H

#include <stdbool.h>

#include "base/pool.h"
#include "model/kernels.h"
#include "model/model.h"

/* What a projection is, so that per-module extras (LoRA deltas, later) can
 * be applied where every projection goes through: tl_linear(). */
typedef enum tl_module {
    TL_MOD_Q = 0,
    TL_MOD_K,
    TL_MOD_V,
    TL_MOD_O,
    TL_MOD_GATE,
    TL_MOD_UP,
    TL_MOD_DOWN,
    TL_MOD_LM_HEAD,
    TL_MOD_EMBED,
    TL_MOD_COUNT
} tl_module;

const char *tl_module_name(tl_module m);

struct tabllm_session {
    tl_model *model;
    const tl_kernel_table *kt;
    uint32_t n_ctx, n_seq, n_threads, flags;
    tl_pool *pool;

    /* KV cache: [n_layers][n_seq][n_ctx][n_kv_heads*head_dim], keys already
     * rotated. Cell p of sequence s holds position p. */
    float *k_cache, *v_cache;
    size_t kv_layer_stride, kv_seq_stride; /* in floats */
    uint32_t *seq_len;                     /* [n_seq] */
    float *hidden_store;                   /* [n_seq][n_ctx][n_embd] with KEEP_HIDDEN */

    /* RoPE: inverse frequencies in use (dynamic NTK recomputes them as
     * transformers' dynamic_rope_update does, per session). */
    float *inv_freq; /* [head_dim/2] */
    float rope_mscale;
    int64_t rope_cached_len;

    /* The current batch, rows = tokens. */
    size_t cap_rows;
    int32_t *tok, *pos, *seq; /* [rows] */
    int32_t *logit_index;     /* [rows] row in `logits` or -1 */
    int32_t *out_rows;        /* [rows] batch rows that want an output */
    int32_t *block_row, *block_len; /* [rows] attention work blocks */
    int32_t *out_seq;         /* [rows] sequence of each logits row */
    uint32_t n_rows, n_out;
    float *x;     /* [rows, n_embd] residual stream */
    float *xn;    /* [rows, max(n_embd, n_heads*head_dim)] normalized input / projection out */
    float *q;     /* [rows, n_heads*head_dim] */
    float *k, *v; /* [rows, n_kv_heads*head_dim] */
    float *att;   /* [rows, n_heads*head_dim] attention output */
    float *gate, *up; /* [rows, n_ff] */
    float *rope_cos, *rope_sin; /* [rows, head_dim/2] */
    float *hidden;  /* [rows, n_embd] final-normed rows that want output */
    float *logits;  /* [n_out, n_vocab] */
    size_t cap_logits;

    float *scratch; /* [n_threads][scratch_floats] */
    size_t scratch_floats;

    uint64_t rng[4];
};

typedef struct tabllm_session tl_session;

/* y[n, out] = x[n, in] · Wᵀ (+ bias) for the projection `module` of `layer`
 * (-1 for the model-level ones). Every projection of the forward pass goes
 * through here; `row_seq` gives each row's sequence, for per-sequence
 * adapters. */
void tl_linear(tl_session *s, int layer, tl_module module, const float *x, int n,
               const int32_t *row_seq, float *y);

/* Several projections of the same input x in one parallel step (q, k, v;
 * gate, up): y[i] = x · W(modules[i])ᵀ + b. Same contract as tl_linear. */
void tl_linear_group(tl_session *s, int layer, const tl_module *modules, int count,
                     const float *x, int n, const int32_t *row_seq, float *const *y);

/* x[n, n_embd] = embedding rows of tokens (the embed hook). */
void tl_embed_rows(tl_session *s, const int32_t *tokens, int n, const int32_t *row_seq, float *x);

/* Attention of the current batch's rows over the cache, for one layer. */
void tl_attention(tl_session *s, int layer, int n);
/* Floats of per-thread scratch attention needs. */
size_t tl_attention_scratch(uint32_t n_ctx);
/* Floats of per-thread scratch projections need. */
size_t tl_linear_scratch(const tl_model *m);

/* True when OpenBLAS runs single-threaded, so sessions may call SGEMM from
 * each of their own threads. */
bool tl_blas_single_threaded(void);

/* Runs the batch already staged in s->tok/pos/seq/logit_index. */
void tl_forward(tl_session *s);

/* Sampling generator. */
void tl_rng_seed(uint64_t st[4], uint64_t seed);
uint64_t tl_rng_next(uint64_t st[4]);

#endif
