/* Adapter loading: every adapter_config.json rule and every refusal, with
 * the messages checked; tensor names in all their PEFT spellings; shapes
 * against the model; getters. */
#include <math.h>
#include <sys/stat.h>

#include "../../common/test_util.h"
#include "../model/tiny_model.h"
#include "lora/lora.h"
#include "tiny_adapter.h"

static char *model_dir;
static tabllm_model *model;
static unsigned char *image; /* the last in-memory adapter's bytes */

#define QV "\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":[\"q_proj\",\"v_proj\"]"

static void qv(ta *a, const char *infix)
{
    a->n = 0;
    for (int l = 0; l < 2; l++) {
        ta_lora(a, l, "q_proj", 4, infix);
        ta_lora(a, l, "v_proj", 4, infix);
    }
}

/* Loads from memory; keeps the adapter in *out when given, else frees it. */
static tabllm_status try_load(const char *config, const ta *a, uint32_t flags,
                              tabllm_adapter **out)
{
    free(image);
    size_t size;
    image = ta_image(a, &size);
    tl_adapter *ad = NULL;
    tabllm_status st =
        tl_adapter_load_buffers(model, config, strlen(config), image, size, flags, &ad);
    if (out)
        *out = ad;
    else
        tl_adapter_release(ad);
    return st;
}

static int setup(void **state)
{
    (void)state;
    model_dir = tiny_model(NULL, NULL, NULL, NULL);
    return tabllm_model_load(model_dir, NULL, &model) == TABLLM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tabllm_model_free(model);
    tiny_remove(model_dir);
    free(image);
    return 0;
}

static void test_minimal(void **state)
{
    (void)state;
    ta a;
    qv(&a, "");
    tabllm_adapter *ad;
    assert_ok(try_load("{" QV "}", &a, 0, &ad));
    assert_int_equal(tabllm_adapter_rank(ad), 4);
    assert_true(tabllm_adapter_alpha(ad) == 8.0);
    assert_int_equal(tabllm_adapter_n_targets(ad), 4);
    tabllm_adapter_target_info info = {.struct_size = sizeof info};
    assert_ok(tabllm_adapter_target(ad, 3, &info));
    assert_string_equal(info.module, "model.layers.1.self_attn.v_proj");
    assert_int_equal(info.layer, 1);
    assert_int_equal(info.rank, 4);
    assert_true(info.scaling == 2.0);
    assert_int_equal(info.kind, TABLLM_ADAPTER_TARGET_LORA);
    assert_status(tabllm_adapter_target(ad, 4, &info), TABLLM_ERR_INVALID_ARGUMENT, "outside");
    info.struct_size = sizeof info + 8;
    assert_status(tabllm_adapter_target(ad, 0, &info), TABLLM_ERR_ABI_MISMATCH, "struct_size");
    assert_int_equal(tabllm_adapter_features(ad), 0);
    assert_ptr_equal(tabllm_adapter_model(ad), model);
    tabllm_adapter_free(ad);
    /* PEFT's defaults: r=8, lora_alpha=8, target_modules q_proj/v_proj */
    a.n = 0;
    for (int l = 0; l < 2; l++) {
        ta_lora(&a, l, "q_proj", 8, "");
        ta_lora(&a, l, "v_proj", 8, "");
    }
    assert_ok(try_load("{\"peft_type\":\"LORA\",\"target_modules\":null}", &a, 0, &ad));
    assert_int_equal(tabllm_adapter_rank(ad), 8);
    assert_int_equal(tabllm_adapter_n_targets(ad), 4);
    tabllm_adapter_free(ad);
    assert_int_equal(tabllm_adapter_rank(NULL), 0);
    assert_int_equal(tabllm_adapter_n_targets(NULL), 0);
}

static void test_name_spellings(void **state)
{
    (void)state;
    ta a;
    qv(&a, "default"); /* raw state dict: lora_A.default.weight */
    assert_ok(try_load("{" QV "}", &a, 0, NULL));
    qv(&a, "default");
    snprintf(a.t[0].name, sizeof a.t[0].name,
             "base_model.model.model.layers.0.self_attn.q_proj.lora_A.other.weight");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "names adapter");
    qv(&a, "");
    a.t[0].name[0] = 'x';
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "base_model.model.");
    /* DoRA magnitudes: saved ("lora_magnitude_vector"), pre-rename (".weight") */
    const char *dora = "{" QV ",\"use_dora\":true}";
    qv(&a, "");
    ta_add(&a, "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", 8, 0);
    ta_add(&a, "base_model.model.model.layers.0.self_attn.v_proj.lora_magnitude_vector.weight", 4,
           0);
    ta_add(&a, "base_model.model.model.layers.1.self_attn.q_proj.lora_magnitude_vector", 8, 0);
    ta_add(&a, "base_model.model.model.layers.1.self_attn.v_proj.lora_magnitude_vector", 4, 0);
    tabllm_adapter *ad;
    assert_ok(try_load(dora, &a, 0, &ad));
    assert_int_equal(tabllm_adapter_features(ad), TABLLM_ADAPTER_HAS_DORA);
    tabllm_adapter_free(ad);
    a.n -= 1;
    assert_status(try_load(dora, &a, 0, NULL), TABLLM_ERR_NOT_FOUND,
                  "model.layers.1.self_attn.v_proj.lora_magnitude_vector is missing");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "use_dora is false");
    qv(&a, "");
    snprintf(a.t[0].name, sizeof a.t[0].name,
             "base_model.model.model.layers.0.self_attn.q_proj.lora_C.weight");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "unknown LoRA tensor");
    qv(&a, "");
    snprintf(a.t[0].name, sizeof a.t[0].name,
             "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight.extra");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "lora_A.weight");
    qv(&a, "");
    snprintf(a.t[0].name, sizeof a.t[0].name,
             "base_model.model.model.layers.0.self_attn.q_proj.lora_A.bias");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "at the end");
    qv(&a, "");
    ta_lora(&a, 0, "q_proj", 4, "default"); /* the same parameter twice */
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "names adapter");
}

static void test_shapes(void **state)
{
    (void)state;
    ta a;
    qv(&a, "");
    a.t[0].shape[1] = 9; /* lora_A [4, 9] against in_features 8 */
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH,
                  "tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has "
                  "shape [4,9], expected [4,8] (the model's model.layers.0.self_attn.q_proj has "
                  "in_features 8)");
    qv(&a, "");
    a.t[3].shape[0] = 8; /* v_proj lora_B [8, 4]: v_proj's out is 4 */
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH,
                  "shape [8,4], expected [4,4] (the model's model.layers.0.self_attn.v_proj has "
                  "out_features 4)");
    qv(&a, "");
    a.t[1].shape[1] = 5; /* a rank other than r */
    a.t[0].shape[0] = 5;
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_SHAPE_MISMATCH,
                  "adapter_config.json gives model.layers.0.self_attn.q_proj rank 4");
    qv(&a, "");
    a.t[0].n_dims = 1;
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH, "expected [4,8]");
    qv(&a, "");
    a.n--; /* no lora_B for layer 1's v_proj */
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_NOT_FOUND,
                  "tensor base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight is "
                  "missing");
    qv(&a, "");
    ta_lora(&a, 7, "q_proj", 4, "");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH,
                  "is for layer 7, but the model has 2 layers");
    qv(&a, "");
    ta_add(&a, "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", 4, 8);
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH,
                  "transformer.h.0.attn.c_attn");
    qv(&a, "");
    ta_lora(&a, 0, "k_proj", 4, "");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT,
                  "which adapter_config.json does not target");
    qv(&a, "");
    strcpy(a.t[0].dtype, "I32");
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_UNSUPPORTED, "dtype I32");
    qv(&a, "");
    strcpy(a.t[0].dtype, "BF16");
    strcpy(a.t[1].dtype, "F16");
    assert_ok(try_load("{" QV "}", &a, 0, NULL));
    qv(&a, "");
    a.t[2].fill = NAN;
    assert_ok(try_load("{" QV "}", &a, 0, NULL));
    assert_status(try_load("{" QV "}", &a, TABLLM_ADAPTER_CHECK_FINITE, NULL), TABLLM_ERR_FORMAT,
                  "element 0 is NaN");
    qv(&a, "");
    ta_add(&a, "base_model.model.model.embed_tokens.lora_A.weight", 4, 16);
    assert_status(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"q_proj\","
                           "\"v_proj\",\"embed_tokens\"]}",
                           &a, 0, NULL),
                  TABLLM_ERR_FORMAT, "lora_A is a tensor of Linear layers");
}

static void test_config_fields(void **state)
{
    (void)state;
    ta a;
    qv(&a, "");
    struct {
        const char *config;
        tabllm_status st;
        const char *msg;
    } cases[] = {
        {"[]", TABLLM_ERR_FORMAT, "expected a JSON object"},
        {"{\"r\":4", TABLLM_ERR_FORMAT, "adapter_config.json:1:"},
        {"{\"r\":4}", TABLLM_ERR_FORMAT, "\"peft_type\" is missing"},
        {"{\"peft_type\":\"IA3\"}", TABLLM_ERR_UNSUPPORTED, "peft_type \"IA3\" is not supported"},
        {"{" QV ",\"r\":0}", TABLLM_ERR_FORMAT, "duplicate"},
        {"{\"peft_type\":\"LORA\",\"r\":0}", TABLLM_ERR_FORMAT, "\"r\" = 0 is outside"},
        {"{\"peft_type\":\"LORA\",\"r\":\"4\"}", TABLLM_ERR_FORMAT, "must be an integer"},
        {"{\"peft_type\":\"LORA\",\"lora_alpha\":\"x\"}", TABLLM_ERR_FORMAT, "must be a number"},
        {"{" QV ",\"use_dora\":1}", TABLLM_ERR_FORMAT, "\"use_dora\" must be a boolean"},
        {"{" QV ",\"bias\":\"some\"}", TABLLM_ERR_FORMAT, "\"bias\" must be"},
        {"{" QV ",\"lora_bias\":true,\"use_dora\":true}", TABLLM_ERR_FORMAT,
         "lora_bias=True is not supported for DoRA"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":\".*q_proj\","
         "\"layers_to_transform\":[0]}",
         TABLLM_ERR_FORMAT, "`layers_to_transform` cannot be used when `target_modules` is a str"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":\"all-linear\","
         "\"layers_pattern\":\"layers\"}",
         TABLLM_ERR_FORMAT, "`layers_pattern` cannot be used"},
        {"{" QV ",\"layers_pattern\":\"layers\"}", TABLLM_ERR_FORMAT,
         "`layers_to_transform` must also be specified"},
        {"{" QV ",\"layers_to_transform\":[5]}", TABLLM_ERR_ADAPTER_MISMATCH,
         "names layer 5, but the model has 2 layers"},
        {"{" QV ",\"layers_to_transform\":\"0\"}", TABLLM_ERR_FORMAT, "layers_to_transform"},
        {"{" QV ",\"layer_replication\":[[0,1]]}", TABLLM_ERR_UNSUPPORTED,
         "\"layer_replication\" is set"},
        {"{" QV ",\"use_qalora\":true}", TABLLM_ERR_UNSUPPORTED, "\"use_qalora\" is set"},
        {"{" QV ",\"target_parameters\":[\"mlp.experts\"]}", TABLLM_ERR_UNSUPPORTED,
         "target_parameters"},
        {"{" QV ",\"alora_invocation_tokens\":[1,2]}", TABLLM_ERR_UNSUPPORTED,
         "alora_invocation_tokens"},
        {"{" QV ",\"trainable_token_indices\":[3]}", TABLLM_ERR_UNSUPPORTED,
         "trainable_token_indices"},
        {"{" QV ",\"megatron_config\":{\"x\":1}}", TABLLM_ERR_UNSUPPORTED, "megatron_config"},
        {"{" QV ",\"new_variant\":{\"x\":1}}", TABLLM_ERR_UNSUPPORTED,
         "unknown field \"new_variant\" is set (an object)"},
        {"{" QV ",\"init_lora_weights\":\"pissa_niter_4\"}", TABLLM_ERR_UNSUPPORTED,
         "residual"},
        {"{" QV ",\"init_lora_weights\":\"olora\"}", TABLLM_ERR_UNSUPPORTED, "residual"},
        {"{" QV ",\"init_lora_weights\":\"mica\"}", TABLLM_ERR_UNSUPPORTED,
         "init_lora_weights \"mica\" is not known"},
        {"{" QV ",\"init_lora_weights\":3}", TABLLM_ERR_FORMAT, "init_lora_weights"},
        {"{" QV ",\"task_type\":\"SEQ_CLS\"}", TABLLM_ERR_ADAPTER_MISMATCH,
         "task_type \"SEQ_CLS\""},
        {"{" QV ",\"auto_mapping\":{\"base_model_class\":\"Qwen2ForCausalLM\"}}",
         TABLLM_ERR_ADAPTER_MISMATCH, "made for a Qwen2ForCausalLM, the model is a LlamaForCausalLM"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"mlp\"]}", TABLLM_ERR_UNSUPPORTED,
         "matches model.layers.0.mlp (a MLP), which LoRA cannot adapt"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"norm\"]}", TABLLM_ERR_UNSUPPORTED,
         "matches model.norm (a RMSNorm)"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"c_attn\"]}",
         TABLLM_ERR_ADAPTER_MISMATCH, "matches no module"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":\"(q_proj\"}", TABLLM_ERR_FORMAT,
         "target_modules: regex \"(q_proj\" does not compile"},
        {"{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[1]}", TABLLM_ERR_FORMAT,
         "\"target_modules\"[0] must be a string"},
        {"{" QV ",\"rank_pattern\":{\"q_proj\":0}}", TABLLM_ERR_FORMAT, "rank_pattern[\"q_proj\"]"},
        {"{" QV ",\"rank_pattern\":{\"(\":2}}", TABLLM_ERR_FORMAT, "rank_pattern: regex"},
        {"{" QV ",\"alpha_pattern\":[]}", TABLLM_ERR_FORMAT, "\"alpha_pattern\" must be an object"},
        {"{" QV ",\"modules_to_save\":[\"norm\"]}", TABLLM_ERR_UNSUPPORTED,
         "modules_to_save names model.norm (a RMSNorm)"},
        {"{" QV ",\"modules_to_save\":[\"embed_tokens\"],\"ensure_weight_tying\":true}",
         TABLLM_ERR_UNSUPPORTED, "ensure_weight_tying"},
        {"{" QV ",\"modules_to_save\":[\"lm_head\"]}", TABLLM_ERR_NOT_FOUND,
         "base_model.model.lm_head.weight is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tabllm_status st = try_load(cases[i].config, &a, 0, NULL);
        if (st != cases[i].st || strstr(tabllm_last_error(), cases[i].msg) == NULL)
            fail_msg("config %s: got %d \"%s\", expected %d with \"%s\"", cases[i].config, st,
                     tabllm_last_error(), cases[i].st, cases[i].msg);
    }
    /* off values of known and unknown fields are fine; PEFT's bookkeeping too */
    assert_ok(try_load("{" QV ",\"layer_replication\":null,\"use_qalora\":false,"
                       "\"target_parameters\":[],\"new_variant\":null,\"other\":false,"
                       "\"lora_dropout\":0.1,\"peft_version\":\"0.17.1\",\"inference_mode\":true,"
                       "\"init_lora_weights\":\"gaussian\",\"task_type\":\"CAUSAL_LM\","
                       "\"fan_in_fan_out\":true,\"modules_to_save\":[\"score\"],"
                       "\"auto_mapping\":{\"base_model_class\":\"LlamaForCausalLM\"}}",
                       &a, 0, NULL));
    /* unknown fields and init methods accepted when the caller allows */
    assert_ok(try_load("{" QV ",\"new_variant\":{\"x\":1},\"init_lora_weights\":\"mica\"}", &a,
                       TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS, NULL));
}

static void test_matching(void **state)
{
    (void)state;
    ta a;
    tabllm_adapter *ad;
    /* layers_to_transform keeps layer 1 only; a full name is exempt */
    a.n = 0;
    ta_lora(&a, 1, "q_proj", 4, "");
    ta_lora(&a, 0, "k_proj", 4, "");
    assert_ok(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"q_proj\","
                       "\"model.layers.0.self_attn.k_proj\"],\"layers_to_transform\":1,"
                       "\"layers_pattern\":[\"h\",\"layers\"]}",
                       &a, 0, &ad));
    assert_int_equal(tabllm_adapter_n_targets(ad), 2);
    tabllm_adapter_free(ad);
    /* a layers_pattern that names nothing selects nothing */
    assert_status(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"q_proj\"],"
                           "\"layers_to_transform\":[1],\"layers_pattern\":\"blocks\"}",
                           &a, 0, NULL),
                  TABLLM_ERR_ADAPTER_MISMATCH, "matches no module");
    /* regex full match, excludes (list and regex) */
    a.n = 0;
    ta_lora(&a, 0, "up_proj", 4, "");
    ta_lora(&a, 1, "down_proj", 4, "");
    assert_ok(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":"
                       "\"model\\\\.layers\\\\.\\\\d\\\\.mlp\\\\.(up|down)_proj\","
                       "\"exclude_modules\":\"model\\\\.layers\\\\.(1\\\\.mlp\\\\.up|0\\\\.mlp\\\\."
                       "down)_proj\"}",
                       &a, 0, NULL));
    assert_status(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":\"up_proj\"}", &a,
                           0, NULL),
                  TABLLM_ERR_ADAPTER_MISMATCH, "matches no module"); /* not a search */
    /* all-linear, rank_pattern first match in file order, alpha_pattern, rslora */
    a.n = 0;
    const char *mods[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                          "down_proj"};
    for (int l = 0; l < 2; l++)
        for (int m = 0; m < 7; m++)
            ta_lora(&a, l, mods[m], m == 0 ? 2 : m == 6 ? (l == 1 ? 3 : 5) : 4, "");
    assert_ok(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"use_rslora\":true,"
                       "\"target_modules\":\"ALL-LINEAR\",\"rank_pattern\":{\"q_proj\":2,"
                       "\"layers.1.mlp.down_proj\":3,\"down_proj\":5},\"alpha_pattern\":"
                       "{\"model.layers.1.self_attn.v_proj\":2}}",
                       &a, 0, &ad));
    assert_int_equal(tabllm_adapter_n_targets(ad), 14);
    assert_int_equal(tabllm_adapter_features(ad), TABLLM_ADAPTER_HAS_RSLORA);
    tabllm_adapter_target_info info = {.struct_size = sizeof info};
    assert_ok(tabllm_adapter_target(ad, 0, &info));
    assert_int_equal(info.rank, 2);
    assert_true(fabs(info.scaling - 8 / sqrt(2.0)) < 1e-12);
    assert_ok(tabllm_adapter_target(ad, 9, &info)); /* layer 1 v_proj */
    assert_string_equal(info.module, "model.layers.1.self_attn.v_proj");
    assert_true(info.alpha == 2.0);
    assert_ok(tabllm_adapter_target(ad, 13, &info));
    assert_int_equal(info.rank, 3);
    tabllm_adapter_free(ad);
    /* modules_to_save entries exclude their module from targeting */
    a.n = 0;
    ta_lora(&a, 0, "q_proj", 4, "default");
    ta_add(&a, "base_model.model.lm_head.modules_to_save.default.weight", 16, 8);
    assert_ok(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":"
                       "\"model\\\\.layers\\\\.0\\\\.self_attn\\\\.q_proj|lm_head\","
                       "\"modules_to_save\":[\"lm_head\"]}",
                       &a, 0, &ad));
    assert_int_equal(tabllm_adapter_features(ad), TABLLM_ADAPTER_HAS_REPLACED_MODULES);
    assert_int_equal(tabllm_adapter_n_targets(ad), 2);
    assert_ok(tabllm_adapter_target(ad, 1, &info));
    assert_int_equal(info.kind, TABLLM_ADAPTER_TARGET_REPLACED);
    tabllm_adapter_free(ad);
    a.t[2].shape[0] = 15;
    assert_status(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":"
                           "[\"model.layers.0.self_attn.q_proj\"],\"modules_to_save\":"
                           "[\"lm_head\"]}",
                           &a, 0, NULL),
                  TABLLM_ERR_ADAPTER_MISMATCH, "shape [15,8], expected [16,8]");
    a.t[2].shape[0] = 16;
    assert_status(try_load("{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":"
                           "[\"model.layers.0.self_attn.q_proj\"]}",
                           &a, 0, NULL),
                  TABLLM_ERR_FORMAT, "which modules_to_save does not name");
}

static void test_biases_and_embedding(void **state)
{
    (void)state;
    ta a;
    tabllm_adapter *ad;
    /* lora_bias: lora_B.bias per linear target */
    qv(&a, "");
    const char *lb = "{" QV ",\"lora_bias\":true}";
    assert_status(try_load(lb, &a, 0, NULL), TABLLM_ERR_NOT_FOUND, "lora_B.bias is missing");
    for (int l = 0; l < 2; l++) {
        char n[160];
        snprintf(n, sizeof n, "base_model.model.model.layers.%d.self_attn.q_proj.lora_B.bias", l);
        ta_add(&a, n, 8, 0);
        snprintf(n, sizeof n, "base_model.model.model.layers.%d.self_attn.v_proj.lora_B.bias", l);
        ta_add(&a, n, 4, 0);
    }
    assert_ok(try_load(lb, &a, 0, &ad));
    assert_int_equal(tabllm_adapter_features(ad), TABLLM_ADAPTER_HAS_LORA_BIAS);
    tabllm_adapter_free(ad);
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "lora_bias is false");
    a.t[a.n - 1].shape[0] = 3;
    assert_status(try_load(lb, &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH, "shape [3], expected [4]");
    /* trained biases need bias "all"/"lora_only" and a module with a bias */
    qv(&a, "");
    ta_add(&a, "base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias", 8, 0);
    assert_status(try_load("{" QV "}", &a, 0, NULL), TABLLM_ERR_FORMAT, "says bias \"none\"");
    assert_status(try_load("{" QV ",\"bias\":\"all\"}", &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH,
                  "the model's model.layers.0.self_attn.q_proj has no bias");
    /* embedding LoRA: lora_embedding_A [r, vocab], lora_embedding_B [n_embd, r] */
    a.n = 0;
    ta_add(&a, "base_model.model.model.embed_tokens.lora_embedding_A", 4, 16);
    ta_add(&a, "base_model.model.model.embed_tokens.lora_embedding_B", 8, 4);
    const char *emb = "{\"peft_type\":\"LORA\",\"r\":4,\"target_modules\":[\"embed_tokens\"]}";
    assert_ok(try_load(emb, &a, 0, &ad));
    assert_int_equal(tabllm_adapter_features(ad), TABLLM_ADAPTER_HAS_EMBEDDING_LORA);
    tabllm_adapter_free(ad);
    a.t[0].shape[1] = 17;
    assert_status(try_load(emb, &a, 0, NULL), TABLLM_ERR_ADAPTER_MISMATCH,
                  "has num_embeddings 16");
    a.t[0].shape[1] = 16;
    snprintf(a.t[1].name, sizeof a.t[1].name,
             "base_model.model.model.embed_tokens.lora_embedding_B.default");
    assert_status(try_load(emb, &a, 0, NULL), TABLLM_ERR_FORMAT, "names adapter");
}

static void test_files(void **state)
{
    (void)state;
    char *dir = ta_dir();
    tabllm_adapter *ad = (tabllm_adapter *)1;
    assert_status(tabllm_adapter_load(model, dir, NULL, &ad), TABLLM_ERR_NOT_FOUND,
                  "no adapter_config.json");
    assert_null(ad);
    ta a;
    qv(&a, "");
    ta_write(dir, "{" QV "}", &a);
    char path[4200];
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    char bin[4200];
    snprintf(bin, sizeof bin, "%s/adapter_model.bin", dir);
    assert_int_equal(rename(path, bin), 0);
    assert_status(tabllm_adapter_load(model, dir, NULL, &ad), TABLLM_ERR_UNSUPPORTED,
                  "adapter_model.bin is a Python pickle");
    assert_int_equal(remove(bin), 0);
    assert_status(tabllm_adapter_load(model, dir, NULL, &ad), TABLLM_ERR_NOT_FOUND,
                  "no adapter_model.safetensors");
    ta_write(dir, "{" QV "}", &a);
    assert_ok(tabllm_adapter_load(model, dir, NULL, &ad));
    tabllm_adapter_free(ad);
    /* messages start with the directory */
    ta_write(dir, "{" QV ",\"r\":\"x\"}", &a);
    assert_status(tabllm_adapter_load(model, dir, NULL, &ad), TABLLM_ERR_FORMAT, dir);
    tabllm_adapter_params p;
    assert_ok(tabllm_adapter_params_init(&p, sizeof p));
    p.flags = 0x80;
    assert_status(tabllm_adapter_load(model, dir, &p, &ad), TABLLM_ERR_INVALID_ARGUMENT,
                  "unknown adapter flags");
    assert_status(tabllm_adapter_load(NULL, dir, NULL, &ad), TABLLM_ERR_INVALID_ARGUMENT,
                  "model is NULL");
    assert_status(tabllm_adapter_load(model, dir, NULL, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "out is NULL");
    p.struct_size = sizeof p + 8;
    assert_status(tabllm_adapter_load(model, dir, &p, &ad), TABLLM_ERR_ABI_MISMATCH, NULL);
    tabllm_adapter_free(NULL);
    tiny_remove(dir);
}

/* An adapter outlives the handles it was made from. */
static void test_lifetimes(void **state)
{
    (void)state;
    tabllm_model *m;
    assert_ok(tabllm_model_load(model_dir, NULL, &m));
    char *dir = ta_dir();
    ta a;
    qv(&a, "");
    ta_write(dir, "{" QV "}", &a);
    tabllm_adapter *ad;
    assert_ok(tabllm_adapter_load(m, dir, NULL, &ad));
    tabllm_session *s;
    assert_ok(tabllm_session_new(m, NULL, &s));
    assert_ok(tabllm_session_set_adapters(s, &ad, NULL, 1));
    tabllm_model_free(m);  /* the adapter and the session keep it */
    tabllm_adapter_free(ad); /* the session keeps it */
    tabllm_token t[3] = {1, 2, 3};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 3, .tokens = t};
    assert_ok(tabllm_session_decode(s, &b));
    tabllm_session_free(s);
    tiny_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),       cmocka_unit_test(test_name_spellings),
        cmocka_unit_test(test_shapes),        cmocka_unit_test(test_config_fields),
        cmocka_unit_test(test_matching),      cmocka_unit_test(test_biases_and_embedding),
        cmocka_unit_test(test_files),         cmocka_unit_test(test_lifetimes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
