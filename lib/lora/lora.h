/* PEFT LoRA adapters: what a loaded adapter holds, how sessions keep their
 * active adapter sets, and the entry points shared by the files of this
 * module. docs/lora.md has the rules with their PEFT sources.
 *
 * A module of the model is addressed by a "slot": (layer, tl_module), with
 * layer -1 for the model-level modules (embed_tokens, lm_head). */
#ifndef TL_LORA_LORA_H
#define TL_LORA_LORA_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/refcount.h"
#include "model/model.h"
#include "model/session.h"

#define TL_LORA_MAX_RANK 65536

/* adapter_config.json, reduced to what changes the computation. Strings
 * are borrowed from the parsed JSON (kept alive by the loader). */
typedef struct tl_lora_config {
    int64_t r;
    double alpha;
    bool use_rslora, use_dora, lora_bias, fan_in_fan_out, ensure_weight_tying;
    int bias; /* TL_LORA_BIAS_* */
    /* target_modules: a list of names, a regex string, or "all-linear" */
    enum { TL_TARGET_LIST, TL_TARGET_REGEX, TL_TARGET_ALL_LINEAR } target_kind;
    const char **targets;
    size_t n_targets;
    const char *target_regex;
    bool target_default; /* target_modules was null: PEFT's per-model default */
    /* exclude_modules: none, a list, or a regex */
    const char **excludes;
    size_t n_excludes;
    const char *exclude_regex;
    /* layers_to_transform (n_layers_sel 0 = all) and layers_pattern */
    int64_t *layers_sel;
    size_t n_layers_sel;
    bool layers_sel_given;
    const char **layers_patterns;
    size_t n_layers_patterns;
    /* rank_pattern / alpha_pattern in file order */
    const char **rank_keys;
    int64_t *rank_vals;
    size_t n_rank;
    const char **alpha_keys;
    double *alpha_vals;
    size_t n_alpha;
    const char **modules_to_save;
    size_t n_modules_to_save;
} tl_lora_config;

enum { TL_LORA_BIAS_NONE = 0, TL_LORA_BIAS_ALL = 1, TL_LORA_BIAS_LORA_ONLY = 2 };

/* Parses adapter_config.json text (`file` names it in messages) into `out`,
 * which borrows strings from *root (the caller json_decref()s it after
 * use). Arrays in `out` are allocated; free with tl_lora_config_free(). */
tabllm_status tl_lora_config_parse(const char *file, const char *text, size_t len, uint32_t flags,
                                   const tl_model *model, json_t **root, tl_lora_config *out);
void tl_lora_config_free(tl_lora_config *c);

/* --- module names and PEFT's matching rules (match.c) ------------------- */

/* One entry of the model's named_modules(), as transformers names them. */
typedef struct tl_lora_name {
    char name[96];
    int layer;         /* -1 outside the decoder layers */
    int module;        /* a tl_module, or -1 for a module LoRA cannot adapt */
    const char *type;  /* "Linear", "Embedding", "LlamaMLP", ... */
} tl_lora_name;

/* Every module name of the model (callers free *out). */
tabllm_status tl_lora_names(const tl_model *m, tl_lora_name **out, size_t *n);

/* The compiled regexes of a config, so matching does not recompile. */
typedef struct tl_lora_matcher tl_lora_matcher;

tabllm_status tl_lora_matcher_new(const char *file, const tl_lora_config *c,
                                  tl_lora_matcher **out);
void tl_lora_matcher_free(tl_lora_matcher *mt);

/* check_target_module_exists(): 1 targeted, 0 not, with *excluded set when
 * an exclude rule or modules_to_save removed it. Negative on a regex error
 * (message set). */
int tl_lora_matcher_target(const tl_lora_matcher *mt, const tl_lora_name *name, bool *excluded);
/* True when a modules_to_save entry names `name` (PEFT's _set_trainable). */
bool tl_lora_matcher_saved(const tl_lora_matcher *mt, const char *name);
/* get_pattern_key() for rank_pattern / alpha_pattern: the index of the
 * first key that matches, -1 for none, -2 on a regex error. */
int tl_lora_matcher_rank_key(const tl_lora_matcher *mt, const char *name);
int tl_lora_matcher_alpha_key(const tl_lora_matcher *mt, const char *name);

/* --- a loaded adapter --------------------------------------------------- */

/* The low-rank update of one module, factors widened to float32.
 * Linear: a = A [rank, in], b = B [out, rank]; delta = scaling·B·A.
 * Embedding (lora_embedding_A/B): a = Aᵀ [n_vocab, rank] so a token's row
 * is contiguous, b = B [n_embd, rank]. */
typedef struct tl_lora_module {
    int layer, module;  /* slot */
    char name[96];      /* "model.layers.3.self_attn.q_proj" */
    int rank;
    double alpha, scaling; /* scaling = alpha/rank or alpha/sqrt(rank) */
    int64_t in, out;
    float *a, *b;
    float *lora_bias; /* [out] lora_B.bias, or NULL */
    /* DoRA: magnitude m [out] and the row norm² of W + s·B·A as
     * n0 + 2·s·n1 + s²·n2, so any scale s costs O(out) at attach time. */
    float *magnitude;
    double *n0, *n1, *n2;
} tl_lora_module;

/* One module the adapter changes, for tabllm_adapter_target(). */
typedef struct tl_lora_info {
    char name[96];
    int layer, rank, kind; /* kind: tabllm_adapter_target_kind */
    double alpha, scaling;
} tl_lora_info;

struct tabllm_adapter {
    tl_refcount ref;
    tl_model *model;
    char *dir;
    int64_t r;
    double alpha;
    uint32_t features; /* TABLLM_ADAPTER_HAS_* */
    tl_lora_module *mods;
    size_t n_mods;
    int *slot_mod; /* [n_slots] index into mods, or -1 */
    /* modules_to_save: whole replacements (lm_head, embed_tokens) */
    tl_weight rep[2];  /* [0] embed_tokens, [1] lm_head; data NULL = none */
    float **rep_bias;  /* [n_slots] trained biases (bias "all"/"lora_only"), or NULL */
    tl_lora_info *info;
    size_t n_info;
    void **owned;
    size_t n_owned, cap_owned;
    tl_st_file file;   /* replacements may point into its mapping */
};

typedef struct tabllm_adapter tl_adapter;

static inline int tl_lora_n_slots(const tl_model *m)
{
    return (m->cfg.n_layers + 1) * TL_MOD_COUNT;
}

static inline int tl_lora_slot(int layer, int module)
{
    return (layer + 1) * TL_MOD_COUNT + module;
}

/* The model's weight and bias of a slot. */
void tl_lora_base_weight(const tl_model *m, int layer, int module, const tl_weight **w,
                         const float **b);

void tl_adapter_retain(tl_adapter *a);
void tl_adapter_release(tl_adapter *a);

/* Loads and checks an adapter directory (load.c). */
tabllm_status tl_adapter_load(tl_model *model, const char *dir, uint32_t flags, tl_adapter **out);
/* The same from memory (tests, fuzzing): the safetensors bytes must
 * outlive the adapter. */
tabllm_status tl_adapter_load_buffers(tl_model *model, const char *config, size_t config_len,
                                      const unsigned char *st_data, size_t st_len, uint32_t flags,
                                      tl_adapter **out);

/* Keeps p until the adapter is destroyed (frees it on failure). */
tabllm_status tl_adapter_own(tl_adapter *a, void *p);

/* A tensor's elements as float32 into dst (any stored dtype, any alignment). */
void tl_lora_tensor_f32(const tl_st_tensor *t, float *dst);

/* DoRA's norm terms of a module (dora.c): for each output row i of
 * W + s·B·A (linear) or each column d of E + s·(B·A)ᵀ (embedding),
 * ‖·‖² = n0 + 2·s·n1 + s²·n2. */
tabllm_status tl_lora_dora_terms(tl_adapter *a, tl_lora_module *mod);

/* --- adapter sets in sessions (set.c, apply.c) -------------------------- */

/* One adapter of a set with its user scale and what was computed when it
 * was attached: DoRA's m / ‖W + s·B·A‖ per module it adapts. */
typedef struct tl_lora_entry {
    tl_adapter *ad;
    float scale;
    float **mns; /* [n_slots] for DoRA modules, else NULL entries */
} tl_lora_entry;

/* An immutable list of adapters applied in order (PEFT's active_adapters
 * loop), shared by the sequences that use it. */
typedef struct tl_lora_set {
    int refs;
    size_t n;
    tl_lora_entry *e;
    int max_rank;
    /* per slot: replacement weight / bias some adapter of the set brings */
    const tl_weight **rep_w; /* [n_slots] or NULL entries */
    const float **rep_b;     /* [n_slots] */
    unsigned char *touched;  /* [n_slots] nonzero when anything applies */
} tl_lora_set;

/* One run of rows and the adapter module applied to it in one step. */
typedef struct tl_lora_seg {
    int32_t begin, len;
    const tl_lora_module *mod;
    float s;           /* user scale · scaling */
    const float *mns;  /* DoRA's factor, or NULL */
    const float *bias; /* the bias in effect (DoRA), or NULL */
} tl_lora_seg;

/* Merged copies of the weights one set changes (session-private). */
typedef struct tl_lora_merged {
    tl_weight *w; /* [n_slots], data NULL = the model's */
    float **b;    /* [n_slots] */
    void **owned;
    size_t n_owned;
} tl_lora_merged;

struct tl_lora_state {
    bool active;           /* some sequence has a set, or merged */
    tl_lora_set **seq_set; /* [n_seq]; NULL = the base model */
    tl_lora_merged *merged;
    int n_slots;
    /* scratch for the low-rank products: [cap_rows, max_rank] */
    float *t;
    size_t cap_t;
    int ld_t;     /* row stride of t: the largest rank of the active sets */
    int32_t *seg_begin, *seg_len; /* [cap_rows] contiguous runs of one set */
    tl_lora_set **seg_set;
    tl_lora_seg *segs;
    size_t cap_rows;
};

typedef struct tl_lora_state tl_lora_state;

extern const tl_adapter_hooks tl_lora_hooks;
/* Work below which a low-rank step stays on the calling thread. */
extern size_t tl_lora_inline_macs;

void tl_lora_set_release(tl_lora_set *set);
void tl_lora_state_free(tl_session *s);

#endif
