/* Which modules an adapter_config.json targets, decided exactly as PEFT
 * decides it, over the module names transformers gives a Llama-family
 * model (LlamaForCausalLM.named_modules()):
 *
 *  - target_modules as a list: a module matches when its name equals an
 *    entry or ends with "." + entry; only the suffix form is then filtered
 *    by layers_to_transform, the layer index being read with
 *    `.*\.[^.]*\.(\d+)\.` or `.*\.{layers_pattern}\.(\d+)\.`
 *    (tuners_utils.check_target_module_exists);
 *  - target_modules as a string: a regex that must match the whole name
 *    (re.fullmatch), except "all-linear": every Linear but the output
 *    embedding (tuners_utils._maybe_include_all_linear_layers);
 *  - exclude_modules (same two forms) and modules_to_save
 *    (`(^|.*\.){m}($|\..*)`) remove modules first;
 *  - rank_pattern / alpha_pattern: the first key, in file order, for which
 *    `(.*\.)?({key})$` matches from the start (utils/other.get_pattern_key).
 *
 * Python's `re` is stood in for by PCRE2, whose syntax agrees with it on
 * everything module-name patterns use. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "lora/lora.h"

/* Backtracking budget per match: module names are short, so a pattern that
 * needs more is pathological. */
#define MATCH_LIMIT 100000

struct tl_lora_matcher {
    const tl_lora_config *c;
    pcre2_code *target, *exclude;
    pcre2_code **layer_res; /* [max(1, n_layers_patterns)] */
    size_t n_layer_res;
    pcre2_code **saved;     /* [n_modules_to_save] */
    pcre2_code **rank, **alpha;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
};

static tabllm_status compile(const char *file, const char *what, const char *pattern,
                             uint32_t options, pcre2_code **out)
{
    int err;
    PCRE2_SIZE off;
    *out = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options | PCRE2_UTF, &err,
                         &off, NULL);
    if (*out != NULL)
        return TABLLM_OK;
    if (err == PCRE2_ERROR_NOMEMORY)
        return tl_error_oom("a regex");
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return tl_error(TABLLM_ERR_FORMAT, "%s: %s: regex \"%s\" does not compile at offset %zu: %s",
                    file, what, pattern, (size_t)off, (const char *)msg);
}

/* A pattern built around user text (a rank_pattern key, a layers_pattern). */
static tabllm_status compile_around(const char *file, const char *what, const char *pre,
                                    const char *text, const char *post, pcre2_code **out)
{
    size_t n;
    if (!tl_size_add(strlen(pre) + strlen(post) + 1, strlen(text), &n))
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: %s is too long", file, what);
    char *p = tl_malloc(n);
    if (p == NULL)
        return tl_error_oom(what);
    snprintf(p, n, "%s%s%s", pre, text, post);
    tabllm_status st = compile(file, what, p, PCRE2_ANCHORED, out);
    tl_free(p);
    return st;
}

void tl_lora_matcher_free(tl_lora_matcher *mt)
{
    if (mt == NULL)
        return;
    pcre2_code_free(mt->target);
    pcre2_code_free(mt->exclude);
    for (size_t i = 0; mt->layer_res && i < mt->n_layer_res; i++)
        pcre2_code_free(mt->layer_res[i]);
    for (size_t i = 0; mt->saved && i < mt->c->n_modules_to_save; i++)
        pcre2_code_free(mt->saved[i]);
    for (size_t i = 0; mt->rank && i < mt->c->n_rank; i++)
        pcre2_code_free(mt->rank[i]);
    for (size_t i = 0; mt->alpha && i < mt->c->n_alpha; i++)
        pcre2_code_free(mt->alpha[i]);
    tl_free(mt->layer_res);
    tl_free(mt->saved);
    tl_free(mt->rank);
    tl_free(mt->alpha);
    pcre2_match_context_free(mt->mctx);
    pcre2_match_data_free(mt->md);
    tl_free(mt);
}

static tabllm_status build(const char *file, const tl_lora_config *c, tl_lora_matcher *mt)
{
    tabllm_status st;
    mt->mctx = pcre2_match_context_create(NULL);
    mt->md = pcre2_match_data_create(4, NULL);
    if (mt->mctx == NULL || mt->md == NULL)
        return tl_error_oom("regex match data");
    pcre2_set_match_limit(mt->mctx, MATCH_LIMIT);
    /* re.fullmatch: anchored at both ends */
    if (c->target_kind == TL_TARGET_REGEX &&
        (st = compile(file, "target_modules", c->target_regex,
                      PCRE2_ANCHORED | PCRE2_ENDANCHORED, &mt->target)))
        return st;
    if (c->exclude_regex != NULL &&
        (st = compile(file, "exclude_modules", c->exclude_regex,
                      PCRE2_ANCHORED | PCRE2_ENDANCHORED, &mt->exclude)))
        return st;
    size_t nl = c->n_layers_patterns ? c->n_layers_patterns : 1;
    if ((st = tl_calloc_array((void **)&mt->layer_res, nl, sizeof *mt->layer_res, "regexes")))
        return st;
    mt->n_layer_res = nl;
    if (c->n_layers_patterns == 0) {
        if ((st = compile(file, "layers_to_transform", ".*\\.[^.]*\\.(\\d+)\\.", PCRE2_ANCHORED,
                          &mt->layer_res[0])))
            return st;
    } else {
        for (size_t i = 0; i < c->n_layers_patterns; i++)
            if ((st = compile_around(file, "layers_pattern", ".*\\.", c->layers_patterns[i],
                                     "\\.(\\d+)\\.", &mt->layer_res[i])))
                return st;
    }
    size_t ns = c->n_modules_to_save, nr = c->n_rank, na = c->n_alpha;
    if ((st = tl_calloc_array((void **)&mt->saved, ns ? ns : 1, sizeof *mt->saved, "regexes")) ||
        (st = tl_calloc_array((void **)&mt->rank, nr ? nr : 1, sizeof *mt->rank, "regexes")) ||
        (st = tl_calloc_array((void **)&mt->alpha, na ? na : 1, sizeof *mt->alpha, "regexes")))
        return st;
    for (size_t i = 0; i < ns; i++)
        if ((st = compile_around(file, "modules_to_save", "(^|.*\\.)", c->modules_to_save[i],
                                 "($|\\..*)", &mt->saved[i])))
            return st;
    for (size_t i = 0; i < nr; i++)
        if ((st = compile_around(file, "rank_pattern", "(.*\\.)?(", c->rank_keys[i], ")$",
                                 &mt->rank[i])))
            return st;
    for (size_t i = 0; i < na; i++)
        if ((st = compile_around(file, "alpha_pattern", "(.*\\.)?(", c->alpha_keys[i], ")$",
                                 &mt->alpha[i])))
            return st;
    return TABLLM_OK;
}

tabllm_status tl_lora_matcher_new(const char *file, const tl_lora_config *c,
                                  tl_lora_matcher **out)
{
    *out = NULL;
    tl_lora_matcher *mt = tl_calloc(1, sizeof *mt);
    if (mt == NULL)
        return tl_error_oom("a matcher");
    mt->c = c;
    tabllm_status st = build(file, c, mt);
    if (st != TABLLM_OK) {
        tl_lora_matcher_free(mt);
        return st;
    }
    *out = mt;
    return TABLLM_OK;
}

/* 1 match, 0 none, -1 error (budget exceeded). */
static int run(const tl_lora_matcher *mt, const pcre2_code *re, const char *subject)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, mt->md, mt->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
             "adapter_config.json: a regex is too costly to match against \"%s\" (PCRE2 error %d)",
             subject, rc);
    return -1;
}

static bool name_matches(const char *name, const char *entry)
{
    size_t n = strlen(name), e = strlen(entry);
    return strcmp(name, entry) == 0 ||
           (n > e && name[n - e - 1] == '.' && memcmp(name + n - e, entry, e) == 0);
}

bool tl_lora_matcher_saved(const tl_lora_matcher *mt, const char *name)
{
    /* _set_trainable: the module's name equals an entry or ends in "." + it */
    for (size_t i = 0; i < mt->c->n_modules_to_save; i++)
        if (name_matches(name, mt->c->modules_to_save[i]))
            return true;
    return false;
}

/* The layer index for layers_to_transform, or -1 when none is found. */
static long layer_index(const tl_lora_matcher *mt, const char *name, int *err)
{
    for (size_t i = 0; i < mt->n_layer_res; i++) {
        int rc = run(mt, mt->layer_res[i], name);
        if (rc < 0) {
            *err = 1;
            return -1;
        }
        if (rc == 1) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(mt->md);
            long v = 0;
            for (PCRE2_SIZE k = ov[2]; k < ov[3] && v < 1000000000L; k++)
                v = v * 10 + (name[k] - '0');
            return v;
        }
    }
    return -1;
}

int tl_lora_matcher_target(const tl_lora_matcher *mt, const tl_lora_name *nm, bool *excluded)
{
    const tl_lora_config *c = mt->c;
    const char *name = nm->name;
    *excluded = false;
    if (mt->exclude != NULL) {
        int rc = run(mt, mt->exclude, name);
        if (rc != 0) {
            *excluded = rc > 0;
            return rc > 0 ? 0 : -1;
        }
    } else {
        for (size_t i = 0; i < c->n_excludes; i++)
            if (name_matches(name, c->excludes[i])) {
                *excluded = true;
                return 0;
            }
    }
    /* adapters never wrap a module that modules_to_save replaces */
    for (size_t i = 0; i < c->n_modules_to_save; i++) {
        int rc = run(mt, mt->saved[i], name);
        if (rc != 0) {
            *excluded = rc > 0;
            return rc > 0 ? 0 : -1;
        }
    }
    if (c->target_kind == TL_TARGET_REGEX)
        return run(mt, mt->target, name);
    if (c->target_kind == TL_TARGET_ALL_LINEAR)
        /* every Linear but the output embedding; the expanded list holds full
         * names, so layers_to_transform would not apply either */
        return strcmp(nm->type, "Linear") == 0 && nm->module != TL_MOD_LM_HEAD;
    bool found = false;
    for (size_t i = 0; i < c->n_targets && !found; i++)
        if (strcmp(name, c->targets[i]) == 0)
            return 1; /* named in full: layers_to_transform does not apply */
    for (size_t i = 0; i < c->n_targets && !found; i++)
        found = name_matches(name, c->targets[i]);
    if (!found || c->n_layers_sel == 0)
        return found;
    int err = 0;
    long layer = layer_index(mt, name, &err);
    if (err)
        return -1;
    for (size_t i = 0; layer >= 0 && i < c->n_layers_sel; i++)
        if (c->layers_sel[i] == layer)
            return 1;
    return 0;
}

static int first_key(const tl_lora_matcher *mt, pcre2_code **res, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        int rc = run(mt, res[i], name);
        if (rc != 0)
            return rc > 0 ? (int)i : -2;
    }
    return -1;
}

int tl_lora_matcher_rank_key(const tl_lora_matcher *mt, const char *name)
{
    return first_key(mt, mt->rank, mt->c->n_rank, name);
}

int tl_lora_matcher_alpha_key(const tl_lora_matcher *mt, const char *name)
{
    return first_key(mt, mt->alpha, mt->c->n_alpha, name);
}

/* --- the model's module names ------------------------------------------ */

static tabllm_status add(tl_lora_name **v, size_t *n, size_t *cap, int layer, int module,
                         const char *type, const char *fmt, int i)
{
    tabllm_status st = tl_grow_array((void **)v, cap, *n + 1, sizeof **v, "module names");
    if (st != TABLLM_OK)
        return st;
    tl_lora_name *e = &(*v)[(*n)++];
    snprintf(e->name, sizeof e->name, fmt, i);
    e->layer = layer;
    e->module = module;
    e->type = type;
    return TABLLM_OK;
}

tabllm_status tl_lora_names(const tl_model *m, tl_lora_name **out, size_t *n)
{
    tl_lora_name *v = NULL;
    size_t cnt = 0, cap = 0;
    tabllm_status st;
#define ADD(layer, module, type, fmt, i)                                                \
    do {                                                                                \
        if ((st = add(&v, &cnt, &cap, layer, module, type, fmt, i)) != TABLLM_OK) {     \
            tl_free(v);                                                                 \
            return st;                                                                  \
        }                                                                               \
    } while (0)
    /* the order of named_modules(): model, its children, then lm_head */
    ADD(-1, -1, "Model", "model", 0);
    ADD(-1, TL_MOD_EMBED, "Embedding", "model.embed_tokens", 0);
    ADD(-1, -1, "ModuleList", "model.layers", 0);
    static const struct {
        const char *fmt;
        int module;
        const char *type;
    } parts[] = {
        {"model.layers.%d", -1, "DecoderLayer"},
        {"model.layers.%d.self_attn", -1, "Attention"},
        {"model.layers.%d.self_attn.q_proj", TL_MOD_Q, "Linear"},
        {"model.layers.%d.self_attn.k_proj", TL_MOD_K, "Linear"},
        {"model.layers.%d.self_attn.v_proj", TL_MOD_V, "Linear"},
        {"model.layers.%d.self_attn.o_proj", TL_MOD_O, "Linear"},
        {"model.layers.%d.self_attn.q_norm", -2, "RMSNorm"},
        {"model.layers.%d.self_attn.k_norm", -2, "RMSNorm"},
        {"model.layers.%d.mlp", -1, "MLP"},
        {"model.layers.%d.mlp.gate_proj", TL_MOD_GATE, "Linear"},
        {"model.layers.%d.mlp.up_proj", TL_MOD_UP, "Linear"},
        {"model.layers.%d.mlp.down_proj", TL_MOD_DOWN, "Linear"},
        {"model.layers.%d.mlp.act_fn", -1, "SiLUActivation"},
        {"model.layers.%d.input_layernorm", -1, "RMSNorm"},
        {"model.layers.%d.post_attention_layernorm", -1, "RMSNorm"},
    };
    for (int i = 0; i < m->cfg.n_layers; i++)
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            if (parts[k].module == -2 && !m->cfg.qk_norm)
                continue; /* only Qwen3 has q_norm/k_norm */
            ADD(i, parts[k].module < 0 ? -1 : parts[k].module, parts[k].type, parts[k].fmt, i);
        }
    ADD(-1, -1, "RMSNorm", "model.norm", 0);
    ADD(-1, -1, "RotaryEmbedding", "model.rotary_emb", 0);
    ADD(-1, TL_MOD_LM_HEAD, "Linear", "lm_head", 0);
#undef ADD
    *out = v;
    *n = cnt;
    return TABLLM_OK;
}
