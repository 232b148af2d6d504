/* The tokenizer API through the shared library and tabllm.h alone. */
#include "../common/test_util.h"

static tabllm_tokenizer *load(const char *name)
{
    char *path = test_data_path(name);
    tabllm_tokenizer *t = NULL;
    tabllm_tokenizer_params p;
    assert_ok(tabllm_tokenizer_params_init(&p, sizeof p));
    assert_ok(tabllm_tokenizer_load(path, &p, &t));
    free(path);
    return t;
}

static void test_roundtrip(void **state)
{
    (void)state;
    tabllm_tokenizer *t = load("tokenizer/bytelevel.json");
    const char *text = "Hello world, café 123";
    tabllm_token ids[64];
    size_t n, len;
    assert_ok(tabllm_tokenizer_encode(t, text, strlen(text), 0, ids, 64, &n, NULL));
    char out[128];
    assert_ok(tabllm_tokenizer_decode(t, ids, n, 0, out, sizeof out, &len));
    /* NFKC + lowercase; "world" is an added token, so ByteLevel adds its
     * prefix space to the text before it and to the text after it (as
     * Hugging Face tokenizers decodes these ids too). */
    assert_string_equal(out, " hello world , café 123");
    assert_int_equal(tabllm_tokenizer_count_tokens(text, strlen(text), t), n);
    assert_true(tabllm_tokenizer_vocab_size(t) > 256);
    assert_int_equal(tabllm_tokenizer_special_id(t, TABLLM_SPECIAL_BOS), -1);
    tabllm_tokenizer_free(t);
    tabllm_tokenizer_free(NULL);
}

static void test_errors(void **state)
{
    (void)state;
    tabllm_tokenizer *t = (tabllm_tokenizer *)1;
    assert_status(tabllm_tokenizer_from_memory("{\"model\": 3}", 12, NULL, &t), TABLLM_ERR_FORMAT,
                  "model: expected an object");
    assert_null(t);
    tabllm_tokenizer_params p;
    assert_ok(tabllm_tokenizer_params_init(&p, sizeof p));
    p.max_file_bytes = 10;
    assert_status(tabllm_tokenizer_from_memory("{\"model\": {}}      ", 19, &p, &t),
                  TABLLM_ERR_LIMIT_EXCEEDED, "limit");
    assert_status(tabllm_tokenizer_params_init(&p, sizeof p + 8), TABLLM_ERR_ABI_MISMATCH, NULL);
    t = load("tokenizer/sentencepiece.json");
    size_t n;
    assert_status(tabllm_tokenizer_encode(t, "ok \xe2\x82", 5, 0, NULL, 0, &n, NULL),
                  TABLLM_ERR_INVALID_UTF8, "byte offset 3");
    assert_status(tabllm_tokenizer_encode(NULL, "a", 1, 0, NULL, 0, &n, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "tokenizer");
    tabllm_tokenizer_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
