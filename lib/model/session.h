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

typedef struct tabllm_session tl_session;
struct tl_lora_state; /* lib/lora's per-session state; opaque here */

/* What active adapters (lib/lora) may do to the forward pass. The model
 * knows nothing else about adapters: it calls these where every projection
 * and the embedding go through (tl_linear_group, tl_embed_rows) and before a
 * batch runs. `layer` is -1 for the model-level modules (embedding,
 * lm_head); `row_seq` gives each row's sequence. */
typedef struct tl_adapter_hooks {
    /* A weight and bias to use instead of the model's for all n rows of this
     * projection (a merged copy, or a whole replacement every row agrees
     * on); false keeps the model's. */
    bool (*weight)(const tl_session *s, int layer, tl_module m, int n, const int32_t *row_seq,
                   const tl_weight **w, const float **b);
    /* After y[n, out] = x·Wᵀ + b: adds the rows' adapter deltas. */
    void (*linear)(tl_session *s, int layer, tl_module m, const float *x, int n,
                   const int32_t *row_seq, float *y);
    /* After x[n, n_embd] = embedding rows of tokens. */
    void (*embed)(tl_session *s, const int32_t *tokens, int n, const int32_t *row_seq, float *x);
    /* Before a batch of `rows` rows runs: sizes its buffers. On failure the
     * batch does not run. */
    tabllm_status (*reserve)(tl_session *s, size_t rows);
    /* Session teardown. */
    void (*free)(tl_session *s);
} tl_adapter_hooks;

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

    int8_t *xq; /* [TL_LINEAR_GEMM_MIN_ROWS, max in] decode inputs quantized for Q8_0 */
    float *xd;  /* [TL_LINEAR_GEMM_MIN_ROWS, max in / 32] their scales */
    float *scratch; /* [n_threads][scratch_floats] */
    size_t scratch_floats;

    uint64_t rng[4];

    const tl_adapter_hooks *adapter_hooks; /* NULL: no adapters */
    struct tl_lora_state *lora;
};

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

/* y[n, w->rows] = x · wᵀ (+ b) with an explicit weight, split over the
 * session's threads like any projection; no adapter hooks. */
void tl_linear_with(tl_session *s, const tl_weight *w, const float *b, const float *x, int n,
                    float *y);

/* x[n, n_embd] = embedding rows of tokens (the embed hook). */
void tl_embed_rows(tl_session *s, const int32_t *tokens, int n, const int32_t *row_seq, float *x);

/* Attention of the current batch's rows over the cache, for one layer. */
void tl_attention(tl_session *s, int layer, int n);
/* Floats of per-thread scratch attention needs. */
size_t tl_attention_scratch(uint32_t n_ctx);
/* Floats of per-thread scratch projections need. */
size_t tl_linear_scratch(const tl_model *m);
/* The widest projection input (for the Q8_0 input buffers). */
size_t tl_linear_max_in(const tl_model *m);
/* Batches of fewer rows use the matrix-vector kernels. */
#define TL_LINEAR_GEMM_MIN_ROWS 8

/* True when OpenBLAS runs single-threaded, so sessions may call SGEMM from
 * each of their own threads. */
bool tl_blas_single_threaded(void);

/* Runs the batch already staged in s->tok/pos/seq/logit_index. */
void tl_forward(tl_session *s);

/* Sampling generator. */
void tl_rng_seed(uint64_t st[4], uint64_t seed);
uint64_t tl_rng_next(uint64_t st[4]);

#endif
