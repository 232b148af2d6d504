/* Every way a checkpoint can be broken gets a status and a message that says
 * what and where: safetensors headers, config.json fields, tensors. */
#include <math.h>

#include "../../common/test_util.h"
#include "model/config.h"
#include "model/safetensors.h"
#include "tiny_model.h"

/* A safetensors image: header text (padded) + `data_bytes` zero bytes. */
static unsigned char *st_image(const char *header, size_t data_bytes, size_t *size)
{
    size_t hl = strlen(header);
    *size = 8 + hl + data_bytes;
    unsigned char *img = calloc(1, *size);
    for (int i = 0; i < 8; i++)
        img[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(img + 8, header, hl);
    return img;
}

static tabllm_status parse_header(const char *header, size_t data_bytes)
{
    size_t size;
    unsigned char *img = st_image(header, data_bytes, &size);
    tl_st_file f;
    tabllm_status st = tl_st_parse("x.safetensors", img, size, &f);
    if (st == TABLLM_OK)
        tl_st_close(&f);
    free(img);
    return st;
}

static void test_safetensors_valid(void **state)
{
    (void)state;
    size_t size;
    unsigned char *img = st_image("{\"__metadata__\":{\"format\":\"pt\"},"
                                  "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[16,28]},"
                                  "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                                  "\"e\":{\"dtype\":\"F16\",\"shape\":[0,5],\"data_offsets\":[28,28]},"
                                  "\"s\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[28,32]}}",
                                  32, &size);
    tl_st_file f;
    assert_ok(tl_st_parse("x.safetensors", img, size, &f));
    assert_int_equal(f.n_tensors, 4);
    free(img);
    tl_st_close(&f);
}

static void test_safetensors_errors(void **state)
{
    (void)state;
    tl_st_file f;
    unsigned char tiny[4] = {0};
    assert_status(tl_st_parse("x.safetensors", tiny, 4, &f), TABLLM_ERR_FORMAT, "too short");
    unsigned char past[16] = {200};
    assert_status(tl_st_parse("x.safetensors", past, 16, &f), TABLLM_ERR_FORMAT, "truncated");
    unsigned char huge[16] = {0, 0, 0, 0x10};
    assert_status(tl_st_parse("x.safetensors", huge, 16, &f), TABLLM_ERR_LIMIT_EXCEEDED, "100 MB");
    assert_status(parse_header("{\"a\":", 0), TABLLM_ERR_FORMAT, "x.safetensors:1:");
    assert_status(parse_header("[1,2]", 0), TABLLM_ERR_FORMAT, "must be a JSON object");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                               "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                               8),
                  TABLLM_ERR_FORMAT, "duplicate");
    assert_status(parse_header("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                  TABLLM_ERR_UNSUPPORTED, "unknown dtype \"Q4\"");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                  TABLLM_ERR_FORMAT, "shape[0]");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8),
                  TABLLM_ERR_FORMAT, "needs 16 bytes");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                  TABLLM_ERR_FORMAT, "past the end");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                               "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                               12),
                  TABLLM_ERR_FORMAT, "overlap");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                  TABLLM_ERR_FORMAT, "unused bytes");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12),
                  TABLLM_ERR_FORMAT, "cover 4 bytes");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4),
                  TABLLM_ERR_FORMAT, "invalid");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), TABLLM_ERR_FORMAT,
                  "data_offsets");
    assert_status(parse_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                               "\"data_offsets\":[0,4]}}", 4),
                  TABLLM_ERR_FORMAT, "overflow");
    assert_status(parse_header("{\"__metadata__\":{\"k\":1}}", 0), TABLLM_ERR_FORMAT,
                  "__metadata__");
    assert_status(parse_header("{\"a\":3}", 0), TABLLM_ERR_FORMAT, "expected an object");
}

static tabllm_status load_dir(const char *dir, uint32_t format, uint32_t flags)
{
    tabllm_model_params p;
    tabllm_model_params_init(&p, sizeof p);
    p.weight_format = format;
    p.flags = flags;
    tabllm_model *m = (tabllm_model *)&p; /* must be reset to NULL on failure */
    tabllm_status st = tabllm_model_load(dir, &p, &m);
    if (st != TABLLM_OK)
        assert_null(m);
    tabllm_model_free(m);
    return st;
}

static tabllm_status load_config(const char *config)
{
    char *dir = tiny_model(config, NULL, NULL, NULL);
    tabllm_status st = load_dir(dir, TABLLM_WEIGHTS_AUTO, 0);
    tiny_remove(dir);
    return st;
}

static void test_tiny_model_loads(void **state)
{
    (void)state;
    char *dir = tiny_model(NULL, NULL, NULL, NULL);
    tabllm_model *m;
    assert_ok(tabllm_model_load(dir, NULL, &m));
    assert_string_equal(tabllm_model_architecture(m), "LlamaForCausalLM");
    assert_int_equal(tabllm_model_n_vocab(m), 16);
    assert_int_equal(tabllm_model_n_embd(m), 8);
    assert_int_equal(tabllm_model_n_layers(m), 2);
    assert_int_equal(tabllm_model_n_heads(m), 2);
    assert_int_equal(tabllm_model_n_kv_heads(m), 1);
    assert_int_equal(tabllm_model_head_dim(m), 4);
    assert_int_equal(tabllm_model_n_ctx_train(m), 64);
    assert_int_equal(tabllm_model_bos(m), 1);
    size_t n_eos;
    const tabllm_token *eos = tabllm_model_eos(m, &n_eos);
    assert_int_equal(n_eos, 2);
    assert_int_equal(eos[0], 2);
    assert_int_equal(eos[1], 3);
    assert_true(tabllm_model_weight_bytes(m) > 0);
    tabllm_model_free(m);
    for (uint32_t f = TABLLM_WEIGHTS_F32; f <= TABLLM_WEIGHTS_F16; f++)
        assert_ok(load_dir(dir, f, TABLLM_MODEL_CHECK_FINITE));
    assert_status(load_dir(dir, TABLLM_WEIGHTS_INT8, 0), TABLLM_ERR_UNSUPPORTED, "INT8");
    assert_status(load_dir(dir, 99, 0), TABLLM_ERR_INVALID_ARGUMENT, "weight_format");
    assert_status(load_dir(dir, 0, 0x80), TABLLM_ERR_INVALID_ARGUMENT, "flags");
    tiny_remove(dir);
}

static void test_config_errors(void **state)
{
    (void)state;
    assert_status(load_config("{\"architectures\": [\"LlamaForCausalLM\"],"), TABLLM_ERR_FORMAT,
                  "config.json:1:");
    assert_status(load_config("{\"architectures\": [\"GPT2LMHeadModel\"]}"),
                  TABLLM_ERR_UNSUPPORTED, "architecture \"GPT2LMHeadModel\"");
    assert_status(load_config("{\"model_type\": \"gemma\"}"), TABLLM_ERR_UNSUPPORTED,
                  "model_type \"gemma\"");
    char cfg[2048];
#define WITH(extra) (snprintf(cfg, sizeof cfg, "%.*s, %s}", (int)strlen(TINY_CONFIG) - 1, \
                              TINY_CONFIG, extra), cfg)
    assert_status(load_config(WITH("\"hidden_act\": \"gelu\"")), TABLLM_ERR_UNSUPPORTED,
                  "hidden_act \"gelu\"");
    assert_status(load_config(WITH("\"rope_scaling\": {\"rope_type\": \"longrope\"}")),
                  TABLLM_ERR_UNSUPPORTED, "rope type \"longrope\"");
    assert_status(load_config(WITH("\"rope_scaling\": {\"type\": \"linear\"}")),
                  TABLLM_ERR_FORMAT, "\"factor\" is missing");
    assert_status(load_config(WITH("\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8}")),
                  TABLLM_ERR_FORMAT, "low_freq_factor");
    assert_status(load_config(WITH("\"partial_rotary_factor\": 0.5")), TABLLM_ERR_UNSUPPORTED,
                  "partial_rotary_factor");
    assert_status(load_config(WITH("\"quantization_config\": {}")), TABLLM_ERR_UNSUPPORTED,
                  "quantization_config");
    assert_status(load_config(WITH("\"rms_norm_eps\": -1")), TABLLM_ERR_FORMAT, "rms_norm_eps");
    assert_status(load_config("{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 16, "
                              "\"hidden_size\": 8, \"intermediate_size\": 16, "
                              "\"num_hidden_layers\": 2, \"num_attention_heads\": 2, "
                              "\"num_key_value_heads\": 3}"),
                  TABLLM_ERR_FORMAT, "num_key_value_heads=3 does not divide num_attention_heads=2");
    assert_status(load_config("{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 16}"),
                  TABLLM_ERR_FORMAT, "\"hidden_size\" is missing");
    assert_status(load_config("{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": \"16\"}"),
                  TABLLM_ERR_FORMAT, "vocab_size");
    snprintf(cfg, sizeof cfg, "%s", TINY_CONFIG);
    char *eos = strstr(cfg, "[2, 3]");
    memcpy(eos, "[2,99]", 6);
    assert_status(load_config(cfg), TABLLM_ERR_FORMAT, "eos_token_id");
#undef WITH
}

/* Parsing rope variants and defaults directly. */
static void test_config_rope_and_sliding(void **state)
{
    (void)state;
    tl_model_config c;
    const char *yarn = "{\"architectures\": [\"Qwen2ForCausalLM\"], \"vocab_size\": 16, "
                       "\"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 4, "
                       "\"num_attention_heads\": 2, \"max_position_embeddings\": 128, "
                       "\"use_sliding_window\": true, \"sliding_window\": 5, "
                       "\"max_window_layers\": 2, "
                       "\"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": 1e6, "
                       "\"factor\": 4.0, \"original_max_position_embeddings\": 32}}";
    assert_ok(tl_config_parse("config.json", yarn, strlen(yarn), &c));
    assert_int_equal(c.arch, TL_ARCH_QWEN2);
    assert_true(c.qkv_bias);
    assert_false(c.o_bias);
    assert_int_equal(c.rope.type, TL_ROPE_YARN);
    assert_true(c.rope.theta == 1e6);
    assert_int_equal(c.rope.orig_max_pos, 32);
    assert_float_equal(c.rope.attention_factor, 0.1 * log(4.0) + 1.0, 1e-12);
    assert_int_equal(c.sliding_window, 5);
    assert_false(c.layer_sliding[1]);
    assert_true(c.layer_sliding[2]);
    assert_int_equal(c.head_dim, 4);
    const char *mistral = "{\"architectures\": [\"MistralForCausalLM\"], \"vocab_size\": 16, "
                          "\"hidden_size\": 8, \"intermediate_size\": 16, "
                          "\"num_hidden_layers\": 1, \"num_attention_heads\": 2, "
                          "\"head_dim\": 6}";
    assert_ok(tl_config_parse("config.json", mistral, strlen(mistral), &c));
    assert_int_equal(c.sliding_window, 4096); /* MistralConfig's default */
    assert_int_equal(c.head_dim, 6);
    assert_int_equal(c.n_ctx_train, 131072);
    assert_int_equal(c.bos, -1);
    assert_int_equal(c.n_eos, 0);
}

struct mutation {
    const char *name;
    const char *dtype;
    int64_t d0;
    int drop;
};

static int mutate(tiny_tensor *t, void *user)
{
    const struct mutation *m = user;
    if (strcmp(t->name, m->name) != 0)
        return 1;
    if (m->drop)
        return 0;
    if (m->dtype)
        strcpy(t->dtype, m->dtype);
    if (m->d0)
        t->shape[0] = m->d0;
    return 1;
}

static tabllm_status load_mutated(struct mutation mu, const float *fill, uint32_t flags)
{
    char *dir = tiny_model(NULL, mutate, &mu, fill);
    tabllm_status st = load_dir(dir, TABLLM_WEIGHTS_AUTO, flags);
    tiny_remove(dir);
    return st;
}

static int add_extra(tiny_tensor *t, void *user)
{
    (void)user;
    if (strcmp(t->name, "model.norm.weight") == 0)
        strcpy(t->name, "model.extra.weight");
    return 1;
}

static void test_tensor_errors(void **state)
{
    (void)state;
    assert_status(load_mutated((struct mutation){"model.layers.1.mlp.down_proj.weight", 0, 0, 1},
                               NULL, 0),
                  TABLLM_ERR_NOT_FOUND, "model.layers.1.mlp.down_proj.weight");
    assert_status(load_mutated((struct mutation){"model.layers.0.mlp.up_proj.weight", 0, 8, 0},
                               NULL, 0),
                  TABLLM_ERR_SHAPE_MISMATCH,
                  "model.layers.0.mlp.up_proj.weight has shape [8,8], expected [16,8]");
    assert_status(load_mutated((struct mutation){"model.layers.0.self_attn.q_proj.weight", "I32",
                                                 0, 0},
                               NULL, 0),
                  TABLLM_ERR_UNSUPPORTED, "dtype I32");
    float nan = NAN;
    assert_ok(load_mutated((struct mutation){"none", 0, 0, 0}, &nan, 0));
    assert_status(load_mutated((struct mutation){"none", 0, 0, 0}, &nan, TABLLM_MODEL_CHECK_FINITE),
                  TABLLM_ERR_FORMAT, "element 0 is NaN");
    char *dir = tiny_model(NULL, add_extra, NULL, NULL);
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_NOT_FOUND, "model.norm.weight");
    tiny_remove(dir);
    /* a config with one layer over a file with two: layer 1 is unexpected */
    char cfg[2048];
    snprintf(cfg, sizeof cfg, "%s", TINY_CONFIG);
    memcpy(strstr(cfg, "\"num_hidden_layers\": 2"), "\"num_hidden_layers\": 1", 22);
    assert_status(load_config(cfg), TABLLM_ERR_UNSUPPORTED, "unexpected tensor \"model.layers.1.");
}

static void test_file_errors(void **state)
{
    (void)state;
    char *dir = tiny_model(NULL, NULL, NULL, NULL);
    char path[4200];
    /* truncated: cut the file short */
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, size - 3), 0);
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_FORMAT, "model.safetensors:");
    assert_int_equal(truncate(path, 5), 0);
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_FORMAT, "too short");
    unlink(path);
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_NOT_FOUND, "neither model.safetensors");
    /* sharded: an index pointing outside the directory, then at a shard
     * that lacks the tensor */
    tiny_write_file(dir, "model.safetensors.index.json",
                    "{\"weight_map\": {\"model.norm.weight\": \"../evil.safetensors\"}}");
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_FORMAT, "must be a file name");
    snprintf(path, sizeof path, "%s/part.safetensors", dir);
    tiny_write_st(path, NULL, NULL, NULL);
    tiny_write_file(dir, "model.safetensors.index.json",
                    "{\"weight_map\": {\"model.norm.weight\": \"part.safetensors\", "
                    "\"model.ghost.weight\": \"part.safetensors\"}}");
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_FORMAT, "model.ghost.weight");
    tiny_write_file(dir, "model.safetensors.index.json",
                    "{\"weight_map\": {\"model.norm.weight\": \"part.safetensors\"}}");
    assert_ok(load_dir(dir, 0, 0));
    tiny_write_file(dir, "model.safetensors.index.json",
                    "{\"weight_map\": {\"model.norm.weight\": \"missing.safetensors\"}}");
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_IO, "missing.safetensors");
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path);
    assert_status(load_dir(dir, 0, 0), TABLLM_ERR_IO, "config.json");
    tiny_remove(dir);
    tabllm_model *m;
    assert_status(tabllm_model_load(NULL, NULL, &m), TABLLM_ERR_INVALID_ARGUMENT, "dir");
    assert_status(tabllm_model_load("/nonexistent", NULL, NULL), TABLLM_ERR_INVALID_ARGUMENT,
                  "out");
    tabllm_model_params p = {.struct_size = sizeof p + 8};
    assert_status(tabllm_model_load("/nonexistent", &p, &m), TABLLM_ERR_ABI_MISMATCH,
                  "struct_size");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safetensors_valid),
        cmocka_unit_test(test_safetensors_errors),
        cmocka_unit_test(test_tiny_model_loads),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_rope_and_sliding),
        cmocka_unit_test(test_tensor_errors),
        cmocka_unit_test(test_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
