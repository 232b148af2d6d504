/* Loading a PEFT adapter directory against a model: which modules the
 * config targets (match.c), then every tensor of adapter_model.safetensors
 * accounted for by name and checked by shape, then the factors widened to
 * float32 and DoRA's norm terms computed (dora.c).
 *
 * Tensor names are PEFT's state-dict keys (utils/save_and_load.py
 * get_peft_model_state_dict): "base_model.model." + module name + a LoRA
 * suffix, the adapter name removed on save ("lora_A.weight") or still there
 * in raw state dicts ("lora_A.default.weight"):
 *   <m>.lora_A.weight [r, in]        <m>.lora_B.weight [out, r]
 *   <m>.lora_B.bias [out]            (lora_bias)
 *   <m>.lora_magnitude_vector [out]  (DoRA; ".weight" before PEFT's rename)
 *   <m>.lora_embedding_A [r, vocab]  <m>.lora_embedding_B [n_embd, r]
 *   <m>.weight                       (modules_to_save: a whole new weight)
 *   <m>.bias, <m>.base_layer.bias    (bias "all" / "lora_only") */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/log.h"
#include "lora/lora.h"

#define MAX_CONFIG_BYTES (16u << 20)
#define PREFIX "base_model.model."

enum { T_A, T_B, T_B_BIAS, T_MAG, T_REP, T_BIAS, T_KINDS };

/* What the file holds for one slot. */
typedef struct pending {
    const tl_st_tensor *t[T_KINDS];
    bool target, embed_kind, saved;
    int rank;
    double alpha;
} pending;

typedef struct loader {
    tl_adapter *a;
    const tl_model *m;
    tl_lora_config cfg;
    json_t *root;
    tl_lora_matcher *mt;
    tl_lora_name *names;
    size_t n_names;
    pending *p; /* [n_slots] */
    char infix[64]; /* the adapter name seen in tensor names, "" = none */
    bool infix_seen;
    uint32_t flags;
    const char *st_name;
} loader;

void tl_lora_base_weight(const tl_model *m, int layer, int module, const tl_weight **w,
                         const float **b)
{
    const tl_layer *l = layer >= 0 ? &m->layers[layer] : NULL;
    *b = NULL;
    switch (module) {
    case TL_MOD_Q: *w = &l->wq; *b = l->bq; break;
    case TL_MOD_K: *w = &l->wk; *b = l->bk; break;
    case TL_MOD_V: *w = &l->wv; *b = l->bv; break;
    case TL_MOD_O: *w = &l->wo; *b = l->bo; break;
    case TL_MOD_GATE: *w = &l->w_gate; *b = l->b_gate; break;
    case TL_MOD_UP: *w = &l->w_up; *b = l->b_up; break;
    case TL_MOD_DOWN: *w = &l->w_down; *b = l->b_down; break;
    case TL_MOD_EMBED: *w = &m->tok_embd; break;
    default: *w = &m->output; break;
    }
}

tabllm_status tl_adapter_own(tl_adapter *a, void *p)
{
    tabllm_status st = tl_grow_array((void **)&a->owned, &a->cap_owned, a->n_owned + 1,
                                     sizeof *a->owned, "adapter buffers");
    if (st != TABLLM_OK) {
        tl_free(p);
        return st;
    }
    a->owned[a->n_owned++] = p;
    return TABLLM_OK;
}

void tl_lora_tensor_f32(const tl_st_tensor *t, float *dst)
{
    size_t esz = tl_dtype_size(t->dtype), n = t->nbytes / esz;
    if ((uintptr_t)t->data % esz == 0) {
        tl_convert(t->dtype, t->data, TL_DTYPE_F32, dst, n);
        return;
    }
    for (size_t i = 0; i < n; i++) { /* misaligned: one element at a time */
        unsigned char e[4];
        memcpy(e, t->data + i * esz, esz);
        tl_convert(t->dtype, e, TL_DTYPE_F32, dst + i, 1);
    }
}

/* --- names -------------------------------------------------------------- */

/* The slot of a module name ("model.layers.3.mlp.up_proj"), -1 when the
 * model has no such adaptable module (message set). */
static int resolve_module(const loader *L, const char *tensor, const char *mod, size_t len)
{
    for (size_t i = 0; i < L->n_names; i++)
        if (strlen(L->names[i].name) == len && memcmp(L->names[i].name, mod, len) == 0) {
            if (L->names[i].module >= 0)
                return tl_lora_slot(L->names[i].layer, L->names[i].module);
            break;
        }
    /* a layer the model does not have, or a module it does not have */
    const char *lp = "model.layers.";
    if (len > strlen(lp) && strncmp(mod, lp, strlen(lp)) == 0) {
        long layer = strtol(mod + strlen(lp), NULL, 10);
        if (layer >= L->m->cfg.n_layers) {
            tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
                     "%s: tensor %s is for layer %ld, but the model has %d layers", L->st_name,
                     tensor, layer, L->m->cfg.n_layers);
            return -1;
        }
    }
    tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
             "%s: tensor %s adapts module \"%.*s\", which a %s has no adaptable module of", 
             L->st_name, tensor, (int)len, mod, L->m->cfg.arch_name);
    return -1;
}

/* Checks an adapter-name infix ("default") and that all tensors agree. */
static tabllm_status note_infix(loader *L, const char *tensor, const char *name, size_t len)
{
    if (!L->infix_seen) {
        if (len >= sizeof L->infix)
            return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: adapter name too long", L->st_name,
                            tensor);
        memcpy(L->infix, name, len);
        L->infix[len] = '\0';
        L->infix_seen = true;
        return TABLLM_OK;
    }
    if (strlen(L->infix) != len || memcmp(L->infix, name, len) != 0)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor %s names adapter \"%.*s\" but others name \"%s\" (one adapter "
                        "per file)",
                        L->st_name, tensor, (int)len, name, L->infix[0] ? L->infix : "(none)");
    return TABLLM_OK;
}

/* Reads "lora_A.default.weight" style tails: the kind, an optional adapter
 * name, and the final part (weight/bias for lora_A/B, an optional "weight"
 * for the magnitude, nothing for the embedding factors). */
static tabllm_status lora_tensor(loader *L, const tl_st_tensor *t, const char *mod, size_t mlen,
                                 const char *tail)
{
    static const char *kinds[] = {"lora_A", "lora_B", "lora_embedding_A", "lora_embedding_B",
                                  "lora_magnitude_vector"};
    const char *part[4];
    size_t plen[4], np = 0;
    for (const char *s = tail;; ) {
        const char *dot = strchr(s, '.');
        if (np == 4)
            return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: unexpected name parts after %.*s",
                            L->st_name, t->name, (int)plen[0], tail);
        part[np] = s;
        plen[np++] = dot ? (size_t)(dot - s) : strlen(s);
        if (dot == NULL)
            break;
        s = dot + 1;
    }
    int kind = -1;
    for (int k = 0; k < 5; k++)
        if (strlen(kinds[k]) == plen[0] && memcmp(kinds[k], part[0], plen[0]) == 0)
            kind = k;
    if (kind < 0)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: unknown LoRA tensor \"%.*s\"",
                        L->st_name, t->name, (int)plen[0], part[0]);
    bool embed = kind == 2 || kind == 3;
    /* the final part, if this kind has one */
    const char *final = "";
    size_t n_mid = np - 1;
#define IS(i, word) (plen[i] == strlen(word) && memcmp(part[i], word, plen[i]) == 0)
    if (!embed && np >= 2 && (IS(np - 1, "weight") || (kind == 1 && IS(np - 1, "bias")))) {
        final = IS(np - 1, "weight") ? "weight" : "bias";
        n_mid--;
    } else if (kind < 2) {
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: expected %s.weight%s at the end",
                        L->st_name, t->name, kinds[kind], kind == 1 ? " or lora_B.bias" : "");
    }
#undef IS
    if (n_mid > 1)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: unexpected name parts after %s",
                        L->st_name, t->name, kinds[kind]);
    const char *rest = n_mid ? part[1] : "";
    size_t infix_len = n_mid ? plen[1] : 0;
    tabllm_status st = note_infix(L, t->name, rest, infix_len);
    if (st != TABLLM_OK)
        return st;
    int slot = resolve_module(L, t->name, mod, mlen);
    if (slot < 0)
        return tabllm_last_status();
    pending *p = &L->p[slot];
    bool is_embed_module = slot == tl_lora_slot(-1, TL_MOD_EMBED);
    if (!p->target)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor %s adapts \"%.*s\", which adapter_config.json does not target "
                        "(target_modules, layers_to_transform, exclude_modules)",
                        L->st_name, t->name, (int)mlen, mod);
    if (kind != 4 && embed != is_embed_module)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: %s is a tensor of %s layers, \"%.*s\" "
                        "is not one",
                        L->st_name, t->name, kinds[kind], embed ? "Embedding" : "Linear",
                        (int)mlen, mod);
    int which = kind == 0 || kind == 2 ? T_A : kind == 4 ? T_MAG
              : strcmp(final, "bias") == 0 ? T_B_BIAS : T_B;
    if (p->t[which] != NULL)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensors %s and %s are the same parameter",
                        L->st_name, p->t[which]->name, t->name);
    p->t[which] = t;
    return TABLLM_OK;
}

/* modules_to_save weights and trained biases. */
static tabllm_status other_tensor(loader *L, const tl_st_tensor *t, const char *rest)
{
    size_t len = strlen(rest);
    const char *w = ".weight", *b = ".bias";
    bool is_w = len > strlen(w) && strcmp(rest + len - strlen(w), w) == 0;
    bool is_b = len > strlen(b) && strcmp(rest + len - strlen(b), b) == 0;
    size_t mlen = len - (is_w ? strlen(w) : is_b ? strlen(b) : 0);
    if (!is_w && !is_b)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s is not a tensor of a PEFT LoRA adapter",
                        L->st_name, t->name);
    /* raw state dicts keep the wrappers' inner names */
    const char *wrap = ".modules_to_save.", *base = ".base_layer";
    const char *inner = NULL;
    for (const char *s = strstr(rest, wrap); s != NULL && s < rest + mlen; s = strstr(s + 1, wrap))
        inner = s;
    size_t mod_len = mlen;
    if (inner != NULL) {
        const char *name = inner + strlen(wrap);
        tabllm_status st = note_infix(L, t->name, name, (size_t)(rest + mlen - name));
        if (st != TABLLM_OK)
            return st;
        mod_len = (size_t)(inner - rest);
    } else if (mlen > strlen(base) && is_b &&
               strncmp(rest + mlen - strlen(base), base, strlen(base)) == 0) {
        mod_len = mlen - strlen(base);
    }
    int slot = resolve_module(L, t->name, rest, mod_len);
    if (slot < 0)
        return tabllm_last_status();
    pending *p = &L->p[slot];
    int which = is_w ? T_REP : T_BIAS;
    if (is_w && !p->saved)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor %s replaces \"%.*s\", which modules_to_save does not name",
                        L->st_name, t->name, (int)mod_len, rest);
    if (is_b && L->cfg.bias == TL_LORA_BIAS_NONE)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: tensor %s is a trained bias, but adapter_config.json says bias "
                        "\"none\"",
                        L->st_name, t->name);
    if (p->t[which] != NULL)
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensors %s and %s are the same parameter",
                        L->st_name, p->t[which]->name, t->name);
    p->t[which] = t;
    return TABLLM_OK;
}

static tabllm_status sort_tensors(loader *L)
{
    const tl_st_file *f = &L->a->file;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const tl_st_tensor *t = &f->tensors[i];
        if (strncmp(t->name, PREFIX, strlen(PREFIX)) != 0)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: tensor %s does not start with \"" PREFIX "\" (PEFT's prefix)",
                            L->st_name, t->name);
        if (t->dtype == TL_DTYPE_OTHER)
            return tl_error(TABLLM_ERR_UNSUPPORTED,
                            "%s: tensor %s has dtype %s; F32, F16 and BF16 are supported",
                            L->st_name, t->name, t->dtype_name);
        const char *rest = t->name + strlen(PREFIX);
        const char *lora = NULL;
        for (const char *s = strstr(rest, ".lora_"); s != NULL; s = strstr(s + 1, ".lora_"))
            lora = s;
        tabllm_status st = lora ? lora_tensor(L, t, rest, (size_t)(lora - rest), lora + 1)
                                : other_tensor(L, t, rest);
        if (st != TABLLM_OK)
            return st;
    }
    return TABLLM_OK;
}

/* --- targets ------------------------------------------------------------ */

static tabllm_status find_targets(loader *L)
{
    const tl_lora_config *c = &L->cfg;
    bool any = false;
    for (size_t i = 0; i < L->n_names; i++) {
        const tl_lora_name *nm = &L->names[i];
        if (tl_lora_matcher_saved(L->mt, nm->name)) {
            if (nm->module != TL_MOD_EMBED && nm->module != TL_MOD_LM_HEAD)
                return tl_error(TABLLM_ERR_UNSUPPORTED,
                                "adapter_config.json: modules_to_save names %s (a %s); only "
                                "lm_head and embed_tokens can be replaced",
                                nm->name, nm->type);
            L->p[tl_lora_slot(-1, nm->module)].saved = true;
            any = true;
        }
        bool excluded;
        int hit = tl_lora_matcher_target(L->mt, nm, &excluded);
        if (hit < 0)
            return tabllm_last_status();
        if (!hit)
            continue;
        if (nm->module < 0)
            return tl_error(TABLLM_ERR_UNSUPPORTED,
                            "adapter_config.json: target_modules matches %s (a %s), which LoRA "
                            "cannot adapt (PEFT refuses it too)",
                            nm->name, nm->type);
        pending *p = &L->p[tl_lora_slot(nm->layer, nm->module)];
        p->target = true;
        p->embed_kind = nm->module == TL_MOD_EMBED;
        int rk = tl_lora_matcher_rank_key(L->mt, nm->name);
        int ak = tl_lora_matcher_alpha_key(L->mt, nm->name);
        if (rk == -2 || ak == -2)
            return tabllm_last_status();
        p->rank = (int)(rk >= 0 ? c->rank_vals[rk] : c->r);
        p->alpha = ak >= 0 ? c->alpha_vals[ak] : c->alpha;
        any = true;
    }
    if (!any)
        return tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
                        "adapter_config.json: target_modules matches no module of this %s",
                        L->m->cfg.arch_name);
    if (c->ensure_weight_tying && L->m->cfg.tie_embeddings &&
        (L->p[tl_lora_slot(-1, TL_MOD_EMBED)].target || L->p[tl_lora_slot(-1, TL_MOD_EMBED)].saved ||
         L->p[tl_lora_slot(-1, TL_MOD_LM_HEAD)].target ||
         L->p[tl_lora_slot(-1, TL_MOD_LM_HEAD)].saved))
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "adapter_config.json: ensure_weight_tying with a tied embedding that the "
                        "adapter changes is not supported");
    return TABLLM_OK;
}

/* --- shapes and conversion --------------------------------------------- */

static tabllm_status shape_error(const loader *L, tabllm_status st, const tl_st_tensor *t,
                                 const int64_t *want, int n_dims, const char *why)
{
    char got[96], exp[96];
    tl_st_shape_string(t->shape, t->n_dims, got, sizeof got);
    tl_st_shape_string(want, n_dims, exp, sizeof exp);
    return tl_error(st, "%s: tensor %s has shape %s, expected %s (%s)", L->st_name, t->name, got,
                    exp, why);
}

/* Checks t against [d0, d1] (n_dims 1 or 2). Dimension `model_dim` (0, 1,
 * or -1 for none) comes from the model: a difference there is a mismatch
 * with the model, elsewhere with the config's rank. */
static tabllm_status check_shape(const loader *L, const tl_st_tensor *t, int n_dims, int64_t d0,
                                 int64_t d1, const char *why_model, const char *why_rank,
                                 int rank_dim)
{
    int64_t want[2] = {d0, d1};
    if (t->n_dims != n_dims)
        return shape_error(L, TABLLM_ERR_ADAPTER_MISMATCH, t, want, n_dims, why_model);
    for (int d = 0; d < n_dims; d++)
        if (t->shape[d] != want[d])
            return shape_error(L, d == rank_dim ? TABLLM_ERR_SHAPE_MISMATCH
                                                : TABLLM_ERR_ADAPTER_MISMATCH,
                               t, want, n_dims, d == rank_dim ? why_rank : why_model);
    return TABLLM_OK;
}

static tabllm_status check_finite(const loader *L, const tl_st_tensor *t, const float *v, size_t n)
{
    if (!(L->flags & TABLLM_ADAPTER_CHECK_FINITE))
        return TABLLM_OK;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s: element %zu is %s", L->st_name,
                            t->name, i, isnan(v[i]) ? "NaN" : "infinite");
    return TABLLM_OK;
}

/* A float32 copy of a tensor, owned by the adapter. */
static tabllm_status widen(loader *L, const tl_st_tensor *t, float **out)
{
    size_t n = t->nbytes / tl_dtype_size(t->dtype);
    float *v;
    tabllm_status st = tl_alloc_array((void **)&v, n ? n : 1, sizeof *v, t->name);
    if (st != TABLLM_OK)
        return st;
    tl_lora_tensor_f32(t, v);
    if ((st = tl_adapter_own(L->a, v)) != TABLLM_OK)
        return st;
    *out = v;
    return check_finite(L, t, v, n);
}

static void expect_name(const loader *L, char *buf, size_t cap, const tl_lora_module *m,
                        const char *suffix)
{
    snprintf(buf, cap, PREFIX "%s.%s%s%s", m->name, suffix, L->infix[0] ? "." : "", L->infix);
}

static tabllm_status missing(const loader *L, const tl_lora_module *m, const char *suffix,
                             const char *final)
{
    char name[256];
    expect_name(L, name, sizeof name, m, suffix);
    return tl_error(TABLLM_ERR_NOT_FOUND, "%s: tensor %s%s is missing (module %s is targeted)",
                    L->st_name, name, final, m->name);
}

static tabllm_status load_module(loader *L, int layer, int module, tl_lora_module *m)
{
    const pending *p = &L->p[tl_lora_slot(layer, module)];
    const tl_weight *w;
    const float *bias;
    tl_lora_base_weight(L->m, layer, module, &w, &bias);
    m->layer = layer;
    m->module = module;
    m->rank = p->rank;
    m->alpha = p->alpha;
    /* LoraLayer.update_layer */
    m->scaling = L->cfg.use_rslora ? p->alpha / sqrt((double)p->rank) : p->alpha / p->rank;
    bool embed = module == TL_MOD_EMBED;
    m->in = embed ? w->rows : w->cols; /* embedding: in = num_embeddings */
    m->out = embed ? w->cols : w->rows;
    const char *a_sfx = embed ? "lora_embedding_A" : "lora_A";
    const char *b_sfx = embed ? "lora_embedding_B" : "lora_B";
    const char *fin = embed ? "" : ".weight";
    if (p->t[T_A] == NULL)
        return missing(L, m, a_sfx, fin);
    if (p->t[T_B] == NULL)
        return missing(L, m, b_sfx, fin);
    char why_in[160], why_out[160], why_r[200];
    snprintf(why_in, sizeof why_in, "the model's %s has %s %lld", m->name,
             embed ? "num_embeddings" : "in_features", (long long)m->in);
    snprintf(why_out, sizeof why_out, "the model's %s has %s %lld", m->name,
             embed ? "embedding_dim" : "out_features", (long long)m->out);
    snprintf(why_r, sizeof why_r, "adapter_config.json gives %s rank %d (r%s)", m->name, m->rank,
             L->cfg.n_rank ? " or rank_pattern" : "");
    tabllm_status st;
    if ((st = check_shape(L, p->t[T_A], 2, m->rank, m->in, why_in, why_r, 0)) ||
        (st = check_shape(L, p->t[T_B], 2, m->out, m->rank, why_out, why_r, 1)))
        return st;
    if ((st = widen(L, p->t[T_A], &m->a)) || (st = widen(L, p->t[T_B], &m->b)))
        return st;
    if (embed) { /* keep Aᵀ [vocab, rank]: a token's row is then contiguous */
        float *at;
        size_t n = (size_t)m->in * (size_t)m->rank;
        if ((st = tl_alloc_array((void **)&at, n, sizeof *at, "lora_embedding_A")))
            return st;
        for (int64_t k = 0; k < m->rank; k++)
            for (int64_t v = 0; v < m->in; v++)
                at[v * m->rank + k] = m->a[k * m->in + v];
        if ((st = tl_adapter_own(L->a, at)))
            return st;
        m->a = at;
    }
    if (L->cfg.lora_bias && !embed) {
        if (p->t[T_B_BIAS] == NULL)
            return missing(L, m, "lora_B", ".bias");
        if ((st = check_shape(L, p->t[T_B_BIAS], 1, m->out, 0, why_out, why_r, -1)) ||
            (st = widen(L, p->t[T_B_BIAS], &m->lora_bias)))
            return st;
    } else if (p->t[T_B_BIAS] != NULL) {
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s exists but lora_bias is false",
                        L->st_name, p->t[T_B_BIAS]->name);
    }
    if (L->cfg.use_dora) {
        if (p->t[T_MAG] == NULL)
            return missing(L, m, "lora_magnitude_vector", "");
        if ((st = check_shape(L, p->t[T_MAG], 1, m->out, 0, why_out, why_r, -1)) ||
            (st = widen(L, p->t[T_MAG], &m->magnitude)) || (st = tl_lora_dora_terms(L->a, m)))
            return st;
    } else if (p->t[T_MAG] != NULL) {
        return tl_error(TABLLM_ERR_FORMAT, "%s: tensor %s exists but use_dora is false",
                        L->st_name, p->t[T_MAG]->name);
    }
    return TABLLM_OK;
}

static tabllm_status load_replacement(loader *L, int module)
{
    const tl_st_tensor *t = L->p[tl_lora_slot(-1, module)].t[T_REP];
    const char *name = module == TL_MOD_EMBED ? "model.embed_tokens" : "lm_head";
    if (t == NULL)
        return tl_error(TABLLM_ERR_NOT_FOUND,
                        "%s: tensor " PREFIX "%s.weight is missing (modules_to_save names %s)",
                        L->st_name, name, name);
    const tl_model_config *c = &L->m->cfg;
    char why[128];
    snprintf(why, sizeof why, "the model's %s is [n_vocab, n_embd]", name);
    tabllm_status st = check_shape(L, t, 2, c->n_vocab, c->n_embd, why, why, -1);
    if (st != TABLLM_OK)
        return st;
    tl_weight *w = &L->a->rep[module == TL_MOD_EMBED ? 0 : 1];
    w->rows = c->n_vocab;
    w->cols = c->n_embd;
    w->dtype = t->dtype;
    size_t esz = tl_dtype_size(t->dtype);
    if ((uintptr_t)t->data % esz == 0 && !(L->flags & TABLLM_ADAPTER_CHECK_FINITE)) {
        w->data = t->data; /* used in place, like the model's own weights */
        return TABLLM_OK;
    }
    float *v;
    if ((st = widen(L, t, &v)))
        return st;
    w->dtype = TL_DTYPE_F32;
    w->data = v;
    return TABLLM_OK;
}

static tabllm_status add_info(loader *L, const char *name, int layer, int rank, double alpha,
                              double scaling, int kind)
{
    tl_adapter *a = L->a;
    tl_lora_info *e = &a->info[a->n_info++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->layer = layer;
    e->rank = rank;
    e->alpha = alpha;
    e->scaling = scaling;
    e->kind = kind;
    return TABLLM_OK;
}

static tabllm_status build(loader *L)
{
    tl_adapter *a = L->a;
    const tl_model *m = L->m;
    int n_slots = tl_lora_n_slots(m);
    tabllm_status st;
    size_t n_targets = 0;
    for (int s = 0; s < n_slots; s++)
        n_targets += L->p[s].target;
    if ((st = tl_calloc_array((void **)&a->mods, n_targets ? n_targets : 1, sizeof *a->mods,
                              "adapter modules")) ||
        (st = tl_alloc_array((void **)&a->slot_mod, (size_t)n_slots, sizeof *a->slot_mod,
                             "adapter slots")) ||
        (st = tl_calloc_array((void **)&a->rep_bias, (size_t)n_slots, sizeof *a->rep_bias,
                              "adapter slots")) ||
        (st = tl_calloc_array((void **)&a->info, (size_t)n_slots, sizeof *a->info,
                              "adapter targets")))
        return st;
    for (int s = 0; s < n_slots; s++)
        a->slot_mod[s] = -1;
    /* model order: embedding, layers, lm_head (the names list's order) */
    for (size_t i = 0; i < L->n_names; i++) {
        const tl_lora_name *nm = &L->names[i];
        if (nm->module < 0)
            continue;
        int slot = tl_lora_slot(nm->layer, nm->module);
        const pending *p = &L->p[slot];
        if (p->target) {
            tl_lora_module *mod = &a->mods[a->n_mods];
            snprintf(mod->name, sizeof mod->name, "%s", nm->name);
            if ((st = load_module(L, nm->layer, nm->module, mod)))
                return st;
            a->slot_mod[slot] = (int)a->n_mods++;
            add_info(L, nm->name, nm->layer, mod->rank, mod->alpha, mod->scaling,
                     mod->magnitude ? TABLLM_ADAPTER_TARGET_DORA : TABLLM_ADAPTER_TARGET_LORA);
            a->features |= mod->magnitude ? TABLLM_ADAPTER_HAS_DORA : 0;
            a->features |= mod->lora_bias ? TABLLM_ADAPTER_HAS_LORA_BIAS : 0;
            a->features |= nm->module == TL_MOD_EMBED ? TABLLM_ADAPTER_HAS_EMBEDDING_LORA : 0;
        }
        if (p->saved) {
            if ((st = load_replacement(L, nm->module)))
                return st;
            add_info(L, nm->name, -1, 0, 0, 0, TABLLM_ADAPTER_TARGET_REPLACED);
            a->features |= TABLLM_ADAPTER_HAS_REPLACED_MODULES;
        }
        if (p->t[T_BIAS] != NULL) {
            const tl_weight *w;
            const float *b;
            tl_lora_base_weight(m, nm->layer, nm->module, &w, &b);
            if (b == NULL)
                return tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
                                "%s: tensor %s is a trained bias, but the model's %s has no bias",
                                L->st_name, p->t[T_BIAS]->name, nm->name);
            char why[128];
            snprintf(why, sizeof why, "the model's %s has out_features %lld", nm->name,
                     (long long)w->rows);
            if ((st = check_shape(L, p->t[T_BIAS], 1, w->rows, 0, why, why, -1)) ||
                (st = widen(L, p->t[T_BIAS], &a->rep_bias[slot])))
                return st;
            if (!p->target && !p->saved)
                add_info(L, nm->name, nm->layer, 0, 0, 0, TABLLM_ADAPTER_TARGET_BIAS);
            a->features |= TABLLM_ADAPTER_HAS_TRAINED_BIASES;
        }
    }
    if (L->cfg.use_rslora)
        a->features |= TABLLM_ADAPTER_HAS_RSLORA;
    return TABLLM_OK;
}

/* Reads adapter_config.json and maps adapter_model.safetensors. */
static tabllm_status open_files(const char *dir, char **text, size_t *len, tl_st_file *file)
{
    char *cfg_path = tl_path_join(dir, "adapter_config.json");
    char *st_path = tl_path_join(dir, "adapter_model.safetensors");
    char *bin_path = tl_path_join(dir, "adapter_model.bin");
    tabllm_status st = TABLLM_OK;
    if (cfg_path == NULL || st_path == NULL || bin_path == NULL)
        st = tl_error_oom("paths");
    else if (!tl_file_exists(cfg_path))
        st = tl_error(TABLLM_ERR_NOT_FOUND, "no adapter_config.json (not a PEFT adapter)");
    else if (!tl_file_exists(st_path))
        st = tl_file_exists(bin_path)
                 ? tl_error(TABLLM_ERR_UNSUPPORTED,
                            "adapter_model.bin is a Python pickle, which this library does not "
                            "load; save the adapter with safe_serialization=True (the default) "
                            "or convert it to adapter_model.safetensors")
                 : tl_error(TABLLM_ERR_NOT_FOUND, "no adapter_model.safetensors");
    if (st == TABLLM_OK)
        st = tl_file_read(cfg_path, MAX_CONFIG_BYTES, text, len);
    if (st == TABLLM_OK)
        st = tl_st_open(st_path, file);
    tl_free(cfg_path);
    tl_free(st_path);
    tl_free(bin_path);
    return st;
}

void tl_adapter_retain(tl_adapter *a)
{
    tl_ref_acquire(&a->ref);
}

static void destroy(tl_adapter *a)
{
    for (size_t i = 0; i < a->n_owned; i++)
        tl_free(a->owned[i]);
    tl_free(a->owned);
    tl_free(a->mods);
    tl_free(a->slot_mod);
    tl_free(a->rep_bias);
    tl_free(a->info);
    tl_free(a->dir);
    tl_st_close(&a->file);
    tl_model_release(a->model);
    tl_free(a);
}

void tl_adapter_release(tl_adapter *a)
{
    if (a != NULL && tl_ref_release(&a->ref))
        destroy(a);
}

/* Everything after the files are read: a->file is parsed, `text` holds
 * adapter_config.json. */
static tabllm_status load(tl_adapter *a, const char *text, size_t len, uint32_t flags)
{
    tl_model *model = a->model;
    loader L = {.a = a, .m = model, .flags = flags, .st_name = "adapter_model.safetensors"};
    tabllm_status st = tl_lora_config_parse("adapter_config.json", text, len, flags, model,
                                            &L.root, &L.cfg);
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&L.p, (size_t)tl_lora_n_slots(model), sizeof *L.p,
                             "adapter slots");
    if (st == TABLLM_OK)
        st = tl_lora_names(model, &L.names, &L.n_names);
    if (st == TABLLM_OK)
        st = tl_lora_matcher_new("adapter_config.json", &L.cfg, &L.mt);
    if (st == TABLLM_OK)
        st = find_targets(&L);
    if (st == TABLLM_OK)
        st = sort_tensors(&L);
    if (st == TABLLM_OK)
        st = build(&L);
    if (st == TABLLM_OK) {
        a->r = L.cfg.r;
        a->alpha = L.cfg.alpha;
    }
    tl_lora_matcher_free(L.mt);
    tl_free(L.names);
    tl_free(L.p);
    tl_lora_config_free(&L.cfg);
    json_decref(L.root);
    return st;
}

static tl_adapter *new_adapter(tl_model *model, const char *label)
{
    tl_adapter *a = tl_calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    tl_ref_init(&a->ref);
    tl_model_retain(model);
    a->model = model;
    if ((a->dir = tl_strdup(label)) == NULL) {
        destroy(a);
        return NULL;
    }
    return a;
}

tabllm_status tl_adapter_load(tl_model *model, const char *dir, uint32_t flags, tl_adapter **out)
{
    *out = NULL;
    tl_adapter *a = new_adapter(model, dir);
    if (a == NULL)
        return tl_error_oom("an adapter");
    char *text = NULL;
    size_t len = 0;
    tabllm_status st = open_files(dir, &text, &len, &a->file);
    if (st == TABLLM_OK)
        st = load(a, text, len, flags);
    tl_free(text);
    if (st != TABLLM_OK) {
        destroy(a);
        return st;
    }
    *out = a;
    return TABLLM_OK;
}

tabllm_status tl_adapter_load_buffers(tl_model *model, const char *config, size_t config_len,
                                      const unsigned char *st_data, size_t st_len, uint32_t flags,
                                      tl_adapter **out)
{
    *out = NULL;
    tl_adapter *a = new_adapter(model, "(memory)");
    if (a == NULL)
        return tl_error_oom("an adapter");
    tabllm_status st = tl_st_parse("adapter_model.safetensors", st_data, st_len, &a->file);
    if (st == TABLLM_OK)
        st = load(a, config, config_len, flags);
    if (st != TABLLM_OK) {
        destroy(a);
        return st;
    }
    *out = a;
    return TABLLM_OK;
}
