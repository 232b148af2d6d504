/* adapter_config.json, read the way PEFT's LoraConfig reads it
 * (src/peft/tuners/lora/config.py): every field either honoured, known not
 * to change inference (training and initialisation settings), or refused by
 * name. A field this library has never heard of is accepted only when it
 * is "off" (null, false, empty) since PEFT adds new variants as new fields
 * whose default leaves plain LoRA unchanged; anything else may change the
 * computation and is refused unless the caller allows it. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/log.h"
#include "lora/lora.h"

#define MAX_PATTERNS 65536
#define MAX_NAMES 65536

/* Fields that only matter for training, initialisation or bookkeeping. */
static const char *const ignored[] = {
    "base_model_name_or_path", "revision", "inference_mode", "lora_dropout", "peft_version",
    "megatron_core", "qalora_group_size", "eva_config", "corda_config", "loftq_config",
    "runtime_config", "lora_ga_config",
};

/* Variants and features that change the computation and are not
 * implemented: refused unless "off". */
static const char *const must_be_off[] = {
    "layer_replication", "use_qalora",  "target_parameters", "trainable_token_indices",
    "alora_invocation_tokens", "arrow_config", "use_bdlora", "megatron_config",
};

/* Fields read below. */
static const char *const handled[] = {
    "peft_type", "r", "lora_alpha", "use_rslora", "use_dora", "lora_bias", "fan_in_fan_out",
    "bias", "target_modules", "exclude_modules", "layers_to_transform", "layers_pattern",
    "rank_pattern", "alpha_pattern", "modules_to_save", "init_lora_weights", "task_type",
    "auto_mapping", "ensure_weight_tying",
};

static bool in_list(const char *key, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, list[i]) == 0)
            return true;
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Python's truthiness of a JSON value, which is what "off" means to PEFT. */
static bool is_off(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE: return true;
    case JSON_ARRAY: return json_array_size(v) == 0;
    case JSON_OBJECT: return json_object_size(v) == 0;
    case JSON_STRING: return json_string_length(v) == 0;
    case JSON_INTEGER: return json_integer_value(v) == 0;
    case JSON_REAL: return json_real_value(v) == 0;
    default: return false;
    }
}

/* A list of strings (or one string when `one` is allowed) into an array. */
static tabllm_status string_list(const char *file, const char *key, const json_t *v,
                                 const char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(v))
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"%s\" must be a list of strings, got %s", file,
                        key, tl_json_type_name(v));
    size_t count = json_array_size(v);
    if (count > MAX_NAMES)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: \"%s\" has %zu entries (at most %d)",
                        file, key, count, MAX_NAMES);
    tabllm_status st = tl_alloc_array((void **)out, count ? count : 1, sizeof **out, key);
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < count; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_string(e))
            return tl_error(TABLLM_ERR_FORMAT, "%s: \"%s\"[%zu] must be a string, got %s", file,
                            key, i, tl_json_type_name(e));
        (*out)[i] = json_string_value(e);
    }
    *n = count;
    return TABLLM_OK;
}

static tabllm_status read_targets(const char *file, const json_t *root, tl_lora_config *c)
{
    const json_t *v = json_object_get(root, "target_modules");
    if (v == NULL || json_is_null(v)) {
        /* LoraModel._prepare_adapter_config: the default for llama, mistral,
         * qwen2 and qwen3 in TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING */
        static const char *defaults[] = {"q_proj", "v_proj"};
        c->target_default = true;
        c->target_kind = TL_TARGET_LIST;
        tabllm_status st = tl_alloc_array((void **)&c->targets, 2, sizeof *c->targets, "targets");
        if (st != TABLLM_OK)
            return st;
        memcpy(c->targets, defaults, sizeof defaults);
        c->n_targets = 2;
        return TABLLM_OK;
    }
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        /* tuners_utils._maybe_include_all_linear_layers: compared lowercased */
        if (strcasecmp(t, "all-linear") == 0) {
            c->target_kind = TL_TARGET_ALL_LINEAR;
        } else {
            c->target_kind = TL_TARGET_REGEX;
            c->target_regex = t;
        }
        return TABLLM_OK;
    }
    c->target_kind = TL_TARGET_LIST;
    return string_list(file, "target_modules", v, &c->targets, &c->n_targets);
}

static tabllm_status read_excludes(const char *file, const json_t *root, tl_lora_config *c)
{
    const json_t *v = json_object_get(root, "exclude_modules");
    if (v == NULL || json_is_null(v))
        return TABLLM_OK;
    if (json_is_string(v)) {
        /* check_target_module_exists: a string is a regex, even "" */
        c->exclude_regex = json_string_value(v);
        return TABLLM_OK;
    }
    return string_list(file, "exclude_modules", v, &c->excludes, &c->n_excludes);
}

static tabllm_status read_layers(const char *file, const json_t *root, const tl_model *model,
                                 tl_lora_config *c)
{
    const json_t *v = json_object_get(root, "layers_to_transform");
    tabllm_status st;
    if (v != NULL && !json_is_null(v)) {
        c->layers_sel_given = true;
        size_t count = json_is_array(v) ? json_array_size(v) : 1;
        if (!json_is_array(v) && !json_is_integer(v))
            return tl_error(TABLLM_ERR_FORMAT,
                            "%s: \"layers_to_transform\" must be an integer or a list of integers, "
                            "got %s",
                            file, tl_json_type_name(v));
        if (count > MAX_NAMES)
            return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: \"layers_to_transform\" is too long",
                            file);
        if ((st = tl_alloc_array((void **)&c->layers_sel, count ? count : 1,
                                 sizeof *c->layers_sel, "layers_to_transform")))
            return st;
        for (size_t i = 0; i < count; i++) {
            const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
            if (!json_is_integer(e))
                return tl_error(TABLLM_ERR_FORMAT,
                                "%s: \"layers_to_transform\"[%zu] must be an integer, got %s", file,
                                i, tl_json_type_name(e));
            int64_t layer = json_integer_value(e);
            /* an index the model does not have: the adapter was made for a
             * deeper model */
            if (layer < 0 || layer >= model->cfg.n_layers)
                return tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
                                "%s: layers_to_transform names layer %lld, but the model has %d "
                                "layers",
                                file, (long long)layer, model->cfg.n_layers);
            c->layers_sel[i] = layer;
        }
        c->n_layers_sel = count;
    }
    v = json_object_get(root, "layers_pattern");
    if (v != NULL && !json_is_null(v)) {
        if (json_is_string(v)) {
            if ((st = tl_alloc_array((void **)&c->layers_patterns, 1, sizeof(char *),
                                     "layers_pattern")))
                return st;
            c->layers_patterns[0] = json_string_value(v);
            c->n_layers_patterns = json_string_length(v) ? 1 : 0; /* "" means any */
        } else if ((st = string_list(file, "layers_pattern", v, &c->layers_patterns,
                                     &c->n_layers_patterns))) {
            return st;
        }
    }
    return TABLLM_OK;
}

static tabllm_status read_patterns(const char *file, const json_t *root, const char *key,
                                   bool ranks, tl_lora_config *c)
{
    const json_t *v = json_object_get(root, key);
    if (v == NULL || json_is_null(v))
        return TABLLM_OK;
    if (!json_is_object(v))
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"%s\" must be an object, got %s", file, key,
                        tl_json_type_name(v));
    size_t count = json_object_size(v);
    if (count > MAX_PATTERNS)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "%s: \"%s\" has %zu entries (at most %d)",
                        file, key, count, MAX_PATTERNS);
    const char ***keys = ranks ? &c->rank_keys : &c->alpha_keys;
    tabllm_status st = tl_alloc_array((void **)keys, count ? count : 1, sizeof **keys, key);
    if (st == TABLLM_OK)
        st = ranks ? tl_alloc_array((void **)&c->rank_vals, count ? count : 1,
                                    sizeof *c->rank_vals, key)
                   : tl_alloc_array((void **)&c->alpha_vals, count ? count : 1,
                                    sizeof *c->alpha_vals, key);
    if (st != TABLLM_OK)
        return st;
    /* jansson iterates in insertion (file) order, which is the order
     * get_pattern_key tries the keys in */
    size_t i = 0;
    const char *k;
    const json_t *e;
    json_object_foreach((json_t *)v, k, e)
    {
        (*keys)[i] = k;
        if (ranks) {
            if (!json_is_integer(e) || json_integer_value(e) < 1 ||
                json_integer_value(e) > TL_LORA_MAX_RANK)
                return tl_error(TABLLM_ERR_FORMAT,
                                "%s: rank_pattern[\"%s\"] must be an integer in [1, %d], got %s",
                                file, k, TL_LORA_MAX_RANK, tl_json_type_name(e));
            c->rank_vals[i] = json_integer_value(e);
        } else {
            if (!json_is_number(e) || !isfinite(json_number_value(e)))
                return tl_error(TABLLM_ERR_FORMAT,
                                "%s: alpha_pattern[\"%s\"] must be a finite number, got %s", file,
                                k, tl_json_type_name(e));
            c->alpha_vals[i] = json_number_value(e);
        }
        i++;
    }
    if (ranks)
        c->n_rank = count;
    else
        c->n_alpha = count;
    return TABLLM_OK;
}

/* init_lora_weights: most values only choose how training started. PiSSA,
 * OLoRA, CorDA, LoftQ and LoRA-GA also rewrite the base weights (the adapter
 * is trained against a residual model), so the adapter does not apply to the
 * original model unless it was converted when saved. */
static tabllm_status check_init(const char *file, const json_t *v, uint32_t flags)
{
    if (v == NULL || json_is_null(v) || json_is_boolean(v))
        return TABLLM_OK;
    if (!json_is_string(v))
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: \"init_lora_weights\" must be a boolean or a string, got %s", file,
                        tl_json_type_name(v));
    const char *s = json_string_value(v);
    if (strcmp(s, "gaussian") == 0 || strcmp(s, "eva") == 0 || strcmp(s, "orthogonal") == 0)
        return TABLLM_OK;
    if (strncmp(s, "pissa", 5) == 0 || strcmp(s, "olora") == 0 || strcmp(s, "corda") == 0 ||
        strcmp(s, "loftq") == 0 || strcmp(s, "lora_ga") == 0)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: init_lora_weights \"%s\" trains against a modified (residual) base "
                        "model, which this adapter does not carry; save it with PEFT's "
                        "path_initial_model_for_weight_conversion to get a plain LoRA adapter",
                        file, s);
    if (flags & TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS) {
        tl_log_warn("%s: init_lora_weights \"%s\" is unknown; assumed to change only training",
                    file, s);
        return TABLLM_OK;
    }
    return tl_error(TABLLM_ERR_UNSUPPORTED,
                    "%s: init_lora_weights \"%s\" is not known to this library and may change "
                    "the computation (TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS accepts it)",
                    file, s);
}

static tabllm_status check_fields(const char *file, const json_t *root, uint32_t flags)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)root, key, v)
    {
        if (in_list(key, handled, COUNT(handled)) || in_list(key, ignored, COUNT(ignored)))
            continue;
        if (in_list(key, must_be_off, COUNT(must_be_off))) {
            if (!is_off(v))
                return tl_error(TABLLM_ERR_UNSUPPORTED,
                                "%s: \"%s\" is set; this PEFT option is not supported", file, key);
            continue;
        }
        if (is_off(v))
            continue;
        if (flags & TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS) {
            tl_log_warn("%s: unknown field \"%s\" ignored", file, key);
            continue;
        }
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: unknown field \"%s\" is set (%s) and may change the computation; "
                        "TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS accepts it",
                        file, key, tl_json_type_name(v));
    }
    return TABLLM_OK;
}

static tabllm_status check_task(const char *file, const json_t *root, const tl_model *model)
{
    const char *task;
    tabllm_status st = tl_json_opt_string(file, root, "task_type", NULL, &task);
    if (st != TABLLM_OK)
        return st;
    if (task != NULL && strcmp(task, "CAUSAL_LM") != 0 && strcmp(task, "FEATURE_EXTRACTION") != 0)
        return tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
                        "%s: task_type \"%s\" adapts another kind of model (a head other than a "
                        "causal LM's); this model is a %s",
                        file, task, model->cfg.arch_name);
    const json_t *am = json_object_get(root, "auto_mapping");
    if (am != NULL && !json_is_null(am)) {
        if (!json_is_object(am))
            return tl_error(TABLLM_ERR_FORMAT, "%s: \"auto_mapping\" must be an object, got %s",
                            file, tl_json_type_name(am));
        const char *cls = json_string_value(json_object_get(am, "base_model_class"));
        if (cls != NULL && strcmp(cls, model->cfg.arch_name) != 0)
            return tl_error(TABLLM_ERR_ADAPTER_MISMATCH,
                            "%s: the adapter was made for a %s, the model is a %s", file, cls,
                            model->cfg.arch_name);
    }
    return TABLLM_OK;
}

static tabllm_status read_scalars(const char *file, const json_t *root, tl_lora_config *c)
{
    const char *peft_type, *bias;
    tabllm_status st;
    if ((st = tl_json_req_string(file, root, "peft_type", &peft_type)))
        return st;
    if (strcmp(peft_type, "LORA") != 0)
        return tl_error(TABLLM_ERR_UNSUPPORTED,
                        "%s: peft_type \"%s\" is not supported (only LORA adapters are)", file,
                        peft_type);
    /* defaults: LoraConfig's dataclass fields */
    if ((st = tl_json_opt_int(file, root, "r", 8, &c->r)))
        return st;
    if (c->r < 1 || c->r > TL_LORA_MAX_RANK)
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"r\" = %lld is outside [1, %d]", file,
                        (long long)c->r, TL_LORA_MAX_RANK);
    if ((st = tl_json_opt_number(file, root, "lora_alpha", 8, &c->alpha)))
        return st;
    if (!isfinite(c->alpha))
        return tl_error(TABLLM_ERR_FORMAT, "%s: \"lora_alpha\" must be finite", file);
    if ((st = tl_json_opt_bool(file, root, "use_rslora", false, &c->use_rslora)) ||
        (st = tl_json_opt_bool(file, root, "use_dora", false, &c->use_dora)) ||
        (st = tl_json_opt_bool(file, root, "lora_bias", false, &c->lora_bias)) ||
        (st = tl_json_opt_bool(file, root, "fan_in_fan_out", false, &c->fan_in_fan_out)) ||
        (st = tl_json_opt_bool(file, root, "ensure_weight_tying", false,
                               &c->ensure_weight_tying)) ||
        (st = tl_json_opt_string(file, root, "bias", "none", &bias)))
        return st;
    if (strcmp(bias, "none") == 0)
        c->bias = TL_LORA_BIAS_NONE;
    else if (strcmp(bias, "all") == 0)
        c->bias = TL_LORA_BIAS_ALL;
    else if (strcmp(bias, "lora_only") == 0)
        c->bias = TL_LORA_BIAS_LORA_ONLY;
    else
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: \"bias\" must be \"none\", \"all\" or \"lora_only\", got \"%s\"", file,
                        bias);
    return TABLLM_OK;
}

/* The consistency rules of LoraConfig.__post_init__, with its messages. */
static tabllm_status check_rules(const char *file, const json_t *root, const tl_lora_config *c)
{
    bool regex = c->target_kind != TL_TARGET_LIST; /* "all-linear" is a string too */
    const json_t *lt = json_object_get(root, "layers_to_transform");
    const json_t *lp = json_object_get(root, "layers_pattern");
    if (regex && lt != NULL && !json_is_null(lt))
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: `layers_to_transform` cannot be used when `target_modules` is a str",
                        file);
    if (regex && lp != NULL && !json_is_null(lp))
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: `layers_pattern` cannot be used when `target_modules` is a str", file);
    if (lp != NULL && !is_off(lp) && (lt == NULL || is_off(lt)))
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: when `layers_pattern` is specified, `layers_to_transform` must also "
                        "be specified",
                        file);
    if (c->lora_bias && c->use_dora)
        return tl_error(TABLLM_ERR_FORMAT,
                        "%s: lora_bias=True is not supported for DoRA (PEFT refuses it too)",
                        file);
    return TABLLM_OK;
}

tabllm_status tl_lora_config_parse(const char *file, const char *text, size_t len, uint32_t flags,
                                   const tl_model *model, json_t **root, tl_lora_config *c)
{
    memset(c, 0, sizeof *c);
    tabllm_status st = tl_json_parse(file, text, len, TL_JSON_REJECT_DUPLICATES, root);
    if (st != TABLLM_OK)
        return st;
    const json_t *r = *root;
    if (!json_is_object(r))
        return tl_error(TABLLM_ERR_FORMAT, "%s: expected a JSON object, got %s", file,
                        tl_json_type_name(r));
    if ((st = read_scalars(file, r, c)) || (st = check_fields(file, r, flags)) ||
        (st = check_init(file, json_object_get(r, "init_lora_weights"), flags)) ||
        (st = check_task(file, r, model)) || (st = read_targets(file, r, c)) ||
        (st = read_excludes(file, r, c)) || (st = check_rules(file, r, c)) ||
        (st = read_layers(file, r, model, c)) ||
        (st = read_patterns(file, r, "rank_pattern", true, c)) ||
        (st = read_patterns(file, r, "alpha_pattern", false, c)))
        return st;
    const json_t *ms = json_object_get(r, "modules_to_save");
    if (ms != NULL && !json_is_null(ms) &&
        (st = string_list(file, "modules_to_save", ms, &c->modules_to_save,
                          &c->n_modules_to_save)))
        return st;
    if (c->fan_in_fan_out)
        /* layer.py dispatch_default: every module this library adapts is a
         * torch.nn.Linear or Embedding, for which PEFT warns and resets the
         * flag ("Setting fan_in_fan_out to False"); tensors keep their shapes */
        tl_log_info("%s: fan_in_fan_out=true is reset to false for torch.nn.Linear modules, as "
                    "PEFT does",
                    file);
    return TABLLM_OK;
}

void tl_lora_config_free(tl_lora_config *c)
{
    tl_free(c->targets);
    tl_free(c->excludes);
    tl_free(c->layers_sel);
    tl_free(c->layers_patterns);
    tl_free(c->rank_keys);
    tl_free(c->rank_vals);
    tl_free(c->alpha_keys);
    tl_free(c->alpha_vals);
    tl_free(c->modules_to_save);
    memset(c, 0, sizeof *c);
}
