/* config.json → tl_model_config.
 *
 * Defaults are those of transformers' configuration classes (LlamaConfig,
 * MistralConfig, Qwen2Config, Qwen3Config), so a config.json that leaves a
 * field out means what it means to transformers. Anything that would change
 * the computation and that this library does not implement (another
 * activation, partial rotary, longrope, quantization) is refused by name. */
#include "model/config.h"

#include <math.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"

#define MAX_VOCAB (1 << 24)
#define MAX_EMBD (1 << 16)
#define MAX_FF (1 << 18)
#define MAX_HEADS 1024
#define MAX_HEAD_DIM 1024
#define MAX_POS (1 << 24)

static const struct {
    const char *name, *model_type;
    tl_arch arch;
} architectures[] = {
    {"LlamaForCausalLM", "llama", TL_ARCH_LLAMA},
    {"MistralForCausalLM", "mistral", TL_ARCH_MISTRAL},
    {"Qwen2ForCausalLM", "qwen2", TL_ARCH_QWEN2},
    {"Qwen3ForCausalLM", "qwen3", TL_ARCH_QWEN3},
};
#define N_ARCHS (sizeof architectures / sizeof architectures[0])

static tabllm_status read_arch(const char *file, const json_t *root, tl_model_config *c)
{
    const json_t *archs = json_object_get(root, "architectures");
    const char *name = NULL;
    if (archs != NULL && !json_is_null(archs)) {
        if (!json_is_array(archs) || json_array_size(archs) == 0 ||
            !json_is_string(json_array_get(archs, 0)))
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: \"architectures\" must be a non-empty array of strings", file);
        if (json_array_size(archs) > 1)
            return tl_error(TABLLM_ERR_UNSUPPORTED,
                            "%s: \"architectures\" lists %zu architectures; one is supported",
                            file, json_array_size(archs));
        name = json_string_value(json_array_get(archs, 0));
        for (size_t i = 0; i < N_ARCHS; i++)
            if (strcmp(name, architectures[i].name) == 0) {
                c->arch = architectures[i].arch;
                c->arch_name = architectures[i].name;
                return TABLLM_OK;
            }
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: architecture \"%s\" is not supported (LlamaForCausalLM, "
                        "MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM are)",
                        file, name);
    }
    const char *model_type;
    tabllm_status st = tl_json_req_string(file, root, "model_type", &model_type);
    if (st != TABLLM_OK)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: neither \"architectures\" nor \"model_type\" names the model", file);
    for (size_t i = 0; i < N_ARCHS; i++)
        if (strcmp(model_type, architectures[i].model_type) == 0) {
            c->arch = architectures[i].arch;
            c->arch_name = architectures[i].name;
            return TABLLM_OK;
        }
    return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: model_type \"%s\" is not supported", file,
                    model_type);
}

static tabllm_status read_dim(const char *file, const json_t *root, const char *key, int64_t max,
                              int64_t def, int *out)
{
    int64_t v;
    tabllm_status st = def < 0 ? tl_json_req_count(file, root, key, max, &v)
                               : tl_json_opt_count(file, root, key, max, def, &v);
    if (st != TABLLM_OK)
        return st;
    if (v == 0)
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"%s\" must be positive, got 0", file, key);
    *out = (int)v;
    return TABLLM_OK;
}

static tabllm_status read_token_ids(const char *file, const json_t *root, tl_model_config *c)
{
    const json_t *bos = json_object_get(root, "bos_token_id");
    c->bos = -1;
    if (bos != NULL && !json_is_null(bos)) {
        if (!json_is_integer(bos) || json_integer_value(bos) < 0 ||
            json_integer_value(bos) >= c->n_vocab)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: \"bos_token_id\" must be an id in [0, %d)", file, c->n_vocab);
        c->bos = (int32_t)json_integer_value(bos);
    }
    const json_t *eos = json_object_get(root, "eos_token_id");
    c->n_eos = 0;
    if (eos == NULL || json_is_null(eos))
        return TABLLM_OK;
    size_t n = json_is_array(eos) ? json_array_size(eos) : 1;
    if (n > TL_MAX_EOS)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: \"eos_token_id\" lists %zu ids, at most %d",
                        file, n, TL_MAX_EOS);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_is_array(eos) ? json_array_get(eos, i) : eos;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= c->n_vocab)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: \"eos_token_id\" must be an id in [0, %d) or a list of them",
                            file, c->n_vocab);
        c->eos[c->n_eos++] = (int32_t)json_integer_value(v);
    }
    return TABLLM_OK;
}

/* A required positive number of a rope dict. */
static tabllm_status rope_number(const char *file, const json_t *rope, const char *key,
                                 double *out)
{
    tabllm_status st = tl_json_req_number(file, rope, key, out);
    if (st != TABLLM_OK)
        return st;
    if (!(*out > 0) || !isfinite(*out))
        return tl_error(TABLLM_ERR_FORMAT, "%s: rope \"%s\" must be positive, got %g", file, key,
                        *out);
    return TABLLM_OK;
}

/* `rope` is rope_parameters (newer files) or rope_scaling (older ones), or
 * NULL; `theta` is the top-level rope_theta or its default. */
static tabllm_status read_rope(const char *file, const json_t *rope, double theta,
                               tl_model_config *c)
{
    tl_rope *r = &c->rope;
    memset(r, 0, sizeof *r);
    r->type = TL_ROPE_DEFAULT;
    r->theta = theta;
    r->dim = c->head_dim;
    r->factor = 1.0;
    r->max_pos = c->n_ctx_train;
    r->orig_max_pos = c->n_ctx_train;
    r->attention_factor = 1.0;
    if (rope == NULL || json_is_null(rope))
        return TABLLM_OK;
    if (!json_is_object(rope))
        return tl_error(TABLLM_ERR_FORMAT, "%s: rope parameters must be an object, got %s", file,
                        tl_json_type_name(rope));
    tabllm_status st = tl_json_opt_number(file, rope, "rope_theta", theta, &r->theta);
    if (st != TABLLM_OK)
        return st;
    if (!(r->theta > 1) || !isfinite(r->theta))
        return tl_error(TABLLM_ERR_FORMAT, "%s: rope_theta must be above 1, got %g", file,
                        r->theta);
    double partial;
    st = tl_json_opt_number(file, rope, "partial_rotary_factor", 1.0, &partial);
    if (st != TABLLM_OK)
        return st;
    if (partial != 1.0)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: partial_rotary_factor %g is not supported",
                        file, partial);
    const char *type = NULL;
    st = tl_json_opt_string(file, rope, "rope_type", NULL, &type);
    if (st == TABLLM_OK && type == NULL) /* transformers' BC: "type" */
        st = tl_json_opt_string(file, rope, "type", NULL, &type);
    if (st != TABLLM_OK)
        return st;
    if (type == NULL) {
        /* rope_parameters keyed by layer type (Gemma 3 style) has no type. */
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)rope, key, value)
        {
            if (json_is_object(value))
                return tl_error(TABLLM_ERR_UNSUPPORTED,
                                "%s: per-layer-type rope parameters (\"%s\") are not supported",
                                file, key);
        }
        return tl_error(TABLLM_ERR_FORMAT, "%s: rope parameters lack \"rope_type\"", file);
    }
    if (strcmp(type, "default") == 0)
        return TABLLM_OK;
    if (strcmp(type, "linear") == 0 || strcmp(type, "dynamic") == 0) {
        r->type = type[0] == 'l' ? TL_ROPE_LINEAR : TL_ROPE_DYNAMIC;
        if (r->type == TL_ROPE_DYNAMIC && r->dim <= 2)
            return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: dynamic rope needs head_dim > 2, got %d",
                            file, r->dim);
        return rope_number(file, rope, "factor", &r->factor);
    }
    if (strcmp(type, "llama3") == 0) {
        r->type = TL_ROPE_LLAMA3;
        double omax;
        if ((st = rope_number(file, rope, "factor", &r->factor)) != TABLLM_OK ||
            (st = rope_number(file, rope, "low_freq_factor", &r->low_freq_factor)) != TABLLM_OK ||
            (st = rope_number(file, rope, "high_freq_factor", &r->high_freq_factor)) != TABLLM_OK ||
            (st = rope_number(file, rope, "original_max_position_embeddings", &omax)) != TABLLM_OK)
            return st;
        if (r->high_freq_factor <= r->low_freq_factor || omax > MAX_POS)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: llama3 rope needs high_freq_factor (%g) > low_freq_factor (%g)",
                            file, r->high_freq_factor, r->low_freq_factor);
        r->orig_max_pos = (int)omax;
        return TABLLM_OK;
    }
    if (strcmp(type, "yarn") == 0) {
        r->type = TL_ROPE_YARN;
        if ((st = rope_number(file, rope, "factor", &r->factor)) != TABLLM_OK)
            return st;
        double omax, att, mscale, mscale_all, bf, bs;
        if ((st = tl_json_opt_number(file, rope, "original_max_position_embeddings",
                                     c->n_ctx_train, &omax)) != TABLLM_OK ||
            (st = tl_json_opt_number(file, rope, "attention_factor", -1, &att)) != TABLLM_OK ||
            (st = tl_json_opt_number(file, rope, "mscale", 0, &mscale)) != TABLLM_OK ||
            (st = tl_json_opt_number(file, rope, "mscale_all_dim", 0, &mscale_all)) != TABLLM_OK ||
            (st = tl_json_opt_number(file, rope, "beta_fast", 0, &bf)) != TABLLM_OK ||
            (st = tl_json_opt_number(file, rope, "beta_slow", 0, &bs)) != TABLLM_OK ||
            (st = tl_json_opt_bool(file, rope, "truncate", true, &r->truncate)) != TABLLM_OK)
            return st;
        if (!(omax >= 1 && omax <= MAX_POS))
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: yarn original_max_position_embeddings %g is out of range", file,
                            omax);
        r->orig_max_pos = (int)omax;
        if (omax != c->n_ctx_train && fabs(c->n_ctx_train / omax - r->factor) > 1e-9)
            tl_log_warn("%s: yarn factor %g differs from max_position_embeddings / "
                        "original_max_position_embeddings = %g; using the factor, as current "
                        "transformers does",
                        file, r->factor, c->n_ctx_train / omax);
        /* transformers: `x or default`, so 0 and null both mean the default. */
        r->beta_fast = bf != 0 ? bf : 32;
        r->beta_slow = bs != 0 ? bs : 1;
        if (att >= 0) {
            r->attention_factor = att;
        } else {
#define YARN_MSCALE(s, m) ((s) <= 1 ? 1.0 : 0.1 * (m) * log(s) + 1.0)
            if (mscale != 0 && mscale_all != 0)
                r->attention_factor =
                    YARN_MSCALE(r->factor, mscale) / YARN_MSCALE(r->factor, mscale_all);
            else
                r->attention_factor = YARN_MSCALE(r->factor, 1.0);
#undef YARN_MSCALE
        }
        return TABLLM_OK;
    }
    return tl_error(TABLLM_ERR_UNSUPPORTED,
                    "%s: rope type \"%s\" is not supported (default, linear, dynamic, llama3, "
                    "yarn are)",
                    file, type);
}

/* Which layers use a sliding window, as transformers' configs decide it. */
static tabllm_status read_sliding(const char *file, const json_t *root, tl_model_config *c)
{
    memset(c->layer_sliding, 0, sizeof c->layer_sliding);
    c->sliding_window = 0;
    if (c->arch == TL_ARCH_LLAMA)
        return TABLLM_OK;
    int64_t window = 0;
    tabllm_status st;
    if (c->arch == TL_ARCH_MISTRAL) {
        /* MistralConfig's default is 4096; null turns it off. */
        const json_t *v = json_object_get(root, "sliding_window");
        if (v == NULL)
            window = 4096;
        else if ((st = tl_json_opt_count(file, root, "sliding_window", MAX_POS, 0, &window)) !=
                 TABLLM_OK)
            return st;
        c->sliding_window = (int)window;
        for (int i = 0; i < c->n_layers; i++)
            c->layer_sliding[i] = window > 0;
        return TABLLM_OK;
    }
    /* Qwen2/Qwen3: use_sliding_window gates sliding_window; layers at or
     * above max_window_layers slide, unless layer_types says otherwise. */
    bool use = false;
    int64_t max_window_layers = 28;
    if ((st = tl_json_opt_bool(file, root, "use_sliding_window", false, &use)) != TABLLM_OK ||
        (st = tl_json_opt_count(file, root, "sliding_window", MAX_POS, 4096, &window)) !=
            TABLLM_OK ||
        (st = tl_json_opt_count(file, root, "max_window_layers", TL_MAX_LAYERS, 28,
                                &max_window_layers)) != TABLLM_OK)
        return st;
    if (!use || window == 0)
        window = 0;
    c->sliding_window = (int)window;
    const json_t *types = json_object_get(root, "layer_types");
    if (types != NULL && !json_is_null(types)) {
        if (!json_is_array(types) || json_array_size(types) != (size_t)c->n_layers)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: \"layer_types\" must be an array of %d strings", file,
                            c->n_layers);
        for (int i = 0; i < c->n_layers; i++) {
            const char *t = json_string_value(json_array_get(types, (size_t)i));
            if (t != NULL && strcmp(t, "full_attention") == 0)
                c->layer_sliding[i] = false;
            else if (t != NULL && strcmp(t, "sliding_attention") == 0)
                c->layer_sliding[i] = window > 0;
            else
                return tl_error(TABLLM_ERR_UNSUPPORTED,
                                "%s: layer_types[%d] = \"%s\" is not supported", file, i,
                                t ? t : "(not a string)");
        }
        return TABLLM_OK;
    }
    for (int i = 0; i < c->n_layers; i++)
        c->layer_sliding[i] = window > 0 && i >= max_window_layers;
    return TABLLM_OK;
}

static tabllm_status parse_root(const char *file, const json_t *root, tl_model_config *c)
{
    if (!json_is_object(root))
        return tl_error(TABLLM_ERR_FORMAT, "%s: expected an object, got %s", file,
                        tl_json_type_name(root));
    tabllm_status st = read_arch(file, root, c);
    if (st != TABLLM_OK)
        return st;
    const char *act;
    if ((st = tl_json_opt_string(file, root, "hidden_act", "silu", &act)) != TABLLM_OK)
        return st;
    if (strcmp(act, "silu") != 0)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: hidden_act \"%s\" is not supported (silu is)",
                        file, act);
    if (json_object_get(root, "quantization_config") != NULL)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: quantized checkpoints (quantization_config) "
                        "are not supported", file);
    int default_ctx = c->arch == TL_ARCH_LLAMA ? 2048 : c->arch == TL_ARCH_MISTRAL ? 131072 : 32768;
    if ((st = read_dim(file, root, "vocab_size", MAX_VOCAB, -1, &c->n_vocab)) != TABLLM_OK ||
        (st = read_dim(file, root, "hidden_size", MAX_EMBD, -1, &c->n_embd)) != TABLLM_OK ||
        (st = read_dim(file, root, "intermediate_size", MAX_FF, -1, &c->n_ff)) != TABLLM_OK ||
        (st = read_dim(file, root, "num_hidden_layers", TL_MAX_LAYERS, -1, &c->n_layers)) !=
            TABLLM_OK ||
        (st = read_dim(file, root, "num_attention_heads", MAX_HEADS, -1, &c->n_heads)) !=
            TABLLM_OK ||
        (st = read_dim(file, root, "num_key_value_heads", MAX_HEADS, c->n_heads,
                       &c->n_kv_heads)) != TABLLM_OK ||
        (st = read_dim(file, root, "max_position_embeddings", MAX_POS, default_ctx,
                       &c->n_ctx_train)) != TABLLM_OK)
        return st;
    if (c->n_heads % c->n_kv_heads != 0)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: num_key_value_heads=%d does not divide num_attention_heads=%d", file,
                        c->n_kv_heads, c->n_heads);
    if (json_object_get(root, "head_dim") == NULL || json_is_null(json_object_get(root, "head_dim"))) {
        if (c->n_embd % c->n_heads != 0)
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: num_attention_heads=%d does not divide hidden_size=%d and there "
                            "is no head_dim",
                            file, c->n_heads, c->n_embd);
        c->head_dim = c->n_embd / c->n_heads;
    } else if ((st = read_dim(file, root, "head_dim", MAX_HEAD_DIM, -1, &c->head_dim)) !=
               TABLLM_OK) {
        return st;
    }
    if (c->head_dim % 2 != 0 || c->head_dim > MAX_HEAD_DIM)
        return tl_error(TABLLM_ERR_FORMAT, "%s: head_dim=%d must be even for RoPE", file,
                        c->head_dim);
    double eps;
    if ((st = tl_json_opt_number(file, root, "rms_norm_eps", 1e-6, &eps)) != TABLLM_OK)
        return st;
    if (!(eps > 0 && eps < 1))
        return tl_error(TABLLM_ERR_FORMAT, "%s: rms_norm_eps=%g must be in (0, 1)", file, eps);
    c->norm_eps = (float)eps;
    if ((st = tl_json_opt_bool(file, root, "tie_word_embeddings", false, &c->tie_embeddings)) !=
        TABLLM_OK)
        return st;
    bool attention_bias = false, mlp_bias = false;
    if (c->arch == TL_ARCH_LLAMA || c->arch == TL_ARCH_QWEN3) {
        if ((st = tl_json_opt_bool(file, root, "attention_bias", false, &attention_bias)) !=
            TABLLM_OK)
            return st;
    }
    if (c->arch == TL_ARCH_LLAMA &&
        (st = tl_json_opt_bool(file, root, "mlp_bias", false, &mlp_bias)) != TABLLM_OK)
        return st;
    c->qkv_bias = attention_bias || c->arch == TL_ARCH_QWEN2;
    c->o_bias = attention_bias;
    c->mlp_bias = mlp_bias;
    c->qk_norm = c->arch == TL_ARCH_QWEN3;
    double partial;
    if ((st = tl_json_opt_number(file, root, "partial_rotary_factor", 1.0, &partial)) != TABLLM_OK)
        return st;
    if (partial != 1.0)
        return tl_error(TABLLM_ERR_UNSUPPORTED, "%s: partial_rotary_factor %g is not supported",
                        file, partial);
    double theta;
    if ((st = tl_json_opt_number(file, root, "rope_theta", 10000.0, &theta)) != TABLLM_OK)
        return st;
    const json_t *rope = json_object_get(root, "rope_parameters");
    if (rope == NULL || json_is_null(rope))
        rope = json_object_get(root, "rope_scaling");
    if ((st = read_rope(file, rope, theta, c)) != TABLLM_OK)
        return st;
    if (!(c->rope.theta > 1) || !isfinite(c->rope.theta))
        return tl_error(TABLLM_ERR_FORMAT, "%s: rope_theta must be above 1, got %g", file,
                        c->rope.theta);
    if ((st = read_sliding(file, root, c)) != TABLLM_OK)
        return st;
    return read_token_ids(file, root, c);
}

tabllm_status tl_config_parse(const char *file, const char *text, size_t len,
                              tl_model_config *out)
{
    memset(out, 0, sizeof *out);
    json_t *root;
    tabllm_status st = tl_json_parse(file, text, len, TL_JSON_REJECT_DUPLICATES, &root);
    if (st != TABLLM_OK)
        return st;
    st = parse_root(file, root, out);
    json_decref(root);
    return st;
}
