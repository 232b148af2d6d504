/* The loaded model: configuration plus weights, llama2.c style, with a shape
 * comment on every tensor. Immutable after tl_model_load; shared by sessions. */
#ifndef TL_MODEL_MODEL_H
#define TL_MODEL_MODEL_H

#include "base/refcount.h"
#include "model/config.h"
#include "model/safetensors.h"
#include "model/tensor.h"

typedef struct tl_layer {
    const float *attn_norm;         /* [n_embd] input_layernorm */
    tl_weight wq;                   /* [n_heads*head_dim, n_embd] */
    tl_weight wk;                   /* [n_kv_heads*head_dim, n_embd] */
    tl_weight wv;                   /* [n_kv_heads*head_dim, n_embd] */
    tl_weight wo;                   /* [n_embd, n_heads*head_dim] */
    const float *bq, *bk, *bv, *bo; /* biases of the same out sizes, or NULL */
    const float *q_norm, *k_norm;   /* [head_dim] Qwen3 per-head RMSNorm, or NULL */
    const float *ffn_norm;          /* [n_embd] post_attention_layernorm */
    tl_weight w_gate;               /* [n_ff, n_embd] */
    tl_weight w_up;                 /* [n_ff, n_embd] */
    tl_weight w_down;               /* [n_embd, n_ff] */
    const float *b_gate, *b_up, *b_down; /* mlp_bias, or NULL */
} tl_layer;

struct tabllm_model {
    tl_refcount ref;
    tl_model_config cfg;
    tl_weight tok_embd;    /* [n_vocab, n_embd] embed_tokens */
    tl_weight output;      /* [n_vocab, n_embd] lm_head (the embedding when tied) */
    const float *out_norm; /* [n_embd] model.norm */
    tl_layer *layers;      /* [n_layers] */
    uint64_t weight_bytes; /* read per token by the forward pass */

    tl_st_file *files; /* the mapped safetensors files */
    size_t n_files;
    void **owned; /* converted copies (norms, biases, requested formats) */
    size_t n_owned, cap_owned;
};

typedef struct tabllm_model tl_model;

/* Loads from a directory holding config.json and safetensors. */
tabllm_status tl_model_load(const char *dir, uint32_t weight_format, uint32_t flags,
                            tl_model **out);

void tl_model_retain(tl_model *m);
void tl_model_release(tl_model *m);

#endif
