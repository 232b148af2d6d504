/* The model and session API through the shared library and tabllm.h alone:
 * the life cycle a host goes through, parameter structs of older and newer
 * sizes, NULL handling. */
#include "../common/test_util.h"
#include "../unit/model/tiny_model.h"

static void test_lifecycle(void **state)
{
    (void)state;
    char *dir = tiny_model(NULL, NULL, NULL, NULL);
    tabllm_model_params mp;
    assert_ok(tabllm_model_params_init(&mp, sizeof mp));
    assert_int_equal(mp.weight_format, TABLLM_WEIGHTS_AUTO);
    tabllm_model *model;
    assert_ok(tabllm_model_load(dir, &mp, &model));
    tabllm_session_params sp;
    assert_ok(tabllm_session_params_init(&sp, sizeof sp));
    sp.n_seq_max = 2;
    sp.n_threads = 2;
    sp.flags = TABLLM_SESSION_KEEP_HIDDEN;
    tabllm_session *s;
    assert_ok(tabllm_session_new(model, &sp, &s));
    tabllm_model_free(model); /* the session keeps it */
    tabllm_token prompt[5] = {1, 5, 9, 2, 6};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 5, .tokens = prompt};
    assert_ok(tabllm_session_decode(s, &b));
    tabllm_sampler_params p;
    assert_ok(tabllm_sampler_params_init(&p, sizeof p));
    p.temperature = 0.8f;
    p.top_k = 5;
    p.top_p = 0.9f;
    tabllm_session_set_seed(s, 42);
    tabllm_token history[16];
    size_t n = 5;
    memcpy(history, prompt, sizeof prompt);
    for (int i = 0; i < 8; i++) {
        tabllm_token t;
        assert_ok(tabllm_session_sample(s, -1, &p, history, n, &t));
        assert_in_range(t, 0, tabllm_model_n_vocab(tabllm_session_model(s)) - 1);
        history[n++] = t;
        b.n_tokens = 1;
        b.tokens = &t;
        assert_ok(tabllm_session_decode(s, &b));
    }
    assert_int_equal(tabllm_session_seq_length(s, 0), 13);
    float emb[8];
    assert_ok(tabllm_session_embed(s, 0, TABLLM_POOLING_MEAN, TABLLM_EMBED_NORMALIZE, emb, 8));
    tabllm_session_free(s);
    tiny_remove(dir);
}

static void test_params_sizes(void **state)
{
    (void)state;
    /* an older caller's struct: only struct_size and weight_format */
    struct {
        size_t struct_size;
        uint32_t weight_format;
    } old;
    assert_ok(tabllm_model_params_init((tabllm_model_params *)&old, sizeof old));
    assert_int_equal(old.struct_size, sizeof old);
    tabllm_session_params sp;
    assert_status(tabllm_session_params_init(&sp, sizeof sp + 4), TABLLM_ERR_ABI_MISMATCH,
                  "newer");
    assert_status(tabllm_session_params_init(&sp, 2), TABLLM_ERR_INVALID_ARGUMENT, "too small");
    tabllm_sampler_params p;
    assert_ok(tabllm_sampler_params_init(&p, sizeof p));
    assert_true(p.temperature == 0.0f && p.top_p == 1.0f && p.repetition_penalty == 1.0f);
}

static void test_null_handles(void **state)
{
    (void)state;
    tabllm_model_free(NULL);
    tabllm_session_free(NULL);
    assert_int_equal(tabllm_model_n_vocab(NULL), 0);
    assert_int_equal(tabllm_session_seq_length(NULL, 0), 0);
    size_t n = 7;
    assert_null(tabllm_model_eos(NULL, &n));
    assert_int_equal(n, 0);
    const float *l;
    assert_status(tabllm_session_logits(NULL, 0, &l), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_status(tabllm_session_decode(NULL, NULL), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_status(tabllm_session_seq_clear(NULL, 0), TABLLM_ERR_INVALID_ARGUMENT, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_params_sizes),
        cmocka_unit_test(test_null_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
