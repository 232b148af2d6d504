/* config.json of a Llama-family checkpoint: the hyperparameters the forward
 * pass needs, read field by field with every value checked, and the RoPE
 * frequencies exactly as transformers' modeling_rope_utils computes them. */
#ifndef TL_MODEL_CONFIG_H
#define TL_MODEL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

typedef enum tl_arch {
    TL_ARCH_LLAMA = 0,
    TL_ARCH_MISTRAL = 1,
    TL_ARCH_QWEN2 = 2,
    TL_ARCH_QWEN3 = 3,
} tl_arch;

typedef enum tl_rope_type {
    TL_ROPE_DEFAULT = 0,
    TL_ROPE_LINEAR = 1,
    TL_ROPE_DYNAMIC = 2,
    TL_ROPE_LLAMA3 = 3,
    TL_ROPE_YARN = 4,
} tl_rope_type;

#define TL_MAX_EOS 16
#define TL_MAX_LAYERS 1024

typedef struct tl_rope {
    tl_rope_type type;
    double theta;            /* rope_theta (base) */
    int dim;                 /* rotated dims = head_dim (partial rotary is refused) */
    double factor;           /* linear, dynamic, llama3, yarn */
    int max_pos;             /* max_position_embeddings (dynamic's reference length) */
    int orig_max_pos;        /* llama3, yarn: original_max_position_embeddings */
    double low_freq_factor;  /* llama3 */
    double high_freq_factor; /* llama3 */
    double attention_factor; /* yarn: cos/sin are multiplied by it; 1 elsewhere */
    double beta_fast, beta_slow; /* yarn */
    bool truncate;           /* yarn: floor/ceil the correction range */
} tl_rope;

typedef struct tl_model_config {
    tl_arch arch;
    const char *arch_name; /* static */
    int n_vocab, n_embd, n_ff, n_layers, n_heads, n_kv_heads, head_dim;
    int n_ctx_train; /* max_position_embeddings */
    float norm_eps;
    bool tie_embeddings;
    bool qkv_bias, o_bias, mlp_bias, qk_norm;
    tl_rope rope;
    int sliding_window;               /* 0: none */
    bool layer_sliding[TL_MAX_LAYERS]; /* which layers use the window */
    int32_t bos;                       /* -1: none */
    int32_t eos[TL_MAX_EOS];
    int n_eos;
} tl_model_config;

/* Parses config.json text; `file` names it in messages. */
tabllm_status tl_config_parse(const char *file, const char *text, size_t len,
                              tl_model_config *out);

/* inv_freq[dim/2] and the cos/sin multiplier for a forward pass whose largest
 * position is max_pos_in_batch (only dynamic NTK depends on it; pass the
 * length transformers would see, see rope.c). */
void tl_rope_inv_freq(const tl_rope *rope, int64_t seq_len, float *inv_freq, float *mscale);

#endif
