/* LoRA adapters through the shared library alone (tabllm.h): load, read
 * back what was loaded, attach to sessions per sequence, merge and
 * unmerge, free in any order. */
#include <math.h>

#include "../common/test_util.h"
#include "../unit/lora/tiny_adapter.h"
#include "../unit/model/tiny_model.h"

static void test_adapter_lifecycle(void **state)
{
    (void)state;
    char *mdir = tiny_model(NULL, NULL, NULL, NULL), *adir = ta_dir();
    ta a = {.n = 0};
    for (int l = 0; l < 2; l++) {
        ta_lora(&a, l, "q_proj", 2, "");
        ta_lora(&a, l, "up_proj", 2, "");
    }
    ta_write(adir, "{\"peft_type\":\"LORA\",\"r\":2,\"lora_alpha\":4,\"use_rslora\":true,"
                   "\"target_modules\":[\"q_proj\",\"up_proj\"]}", &a);
    tabllm_model *m;
    assert_ok(tabllm_model_load(mdir, NULL, &m));
    tabllm_adapter_params p;
    assert_ok(tabllm_adapter_params_init(&p, sizeof p));
    tabllm_adapter *ad;
    assert_ok(tabllm_adapter_load(m, adir, &p, &ad));
    assert_int_equal(tabllm_adapter_rank(ad), 2);
    assert_true(tabllm_adapter_alpha(ad) == 4.0);
    assert_int_equal(tabllm_adapter_features(ad), TABLLM_ADAPTER_HAS_RSLORA);
    assert_int_equal(tabllm_adapter_n_targets(ad), 4);
    tabllm_adapter_target_info info = {.struct_size = sizeof info};
    assert_ok(tabllm_adapter_target(ad, 1, &info));
    assert_string_equal(info.module, "model.layers.0.mlp.up_proj");
    assert_true(fabs(info.scaling - 4 / sqrt(2.0)) < 1e-12);

    tabllm_session_params sp;
    assert_ok(tabllm_session_params_init(&sp, sizeof sp));
    sp.n_ctx = 8;
    sp.n_seq_max = 2;
    tabllm_session *s;
    assert_ok(tabllm_session_new(m, &sp, &s));
    /* sequence 0 on the base model, sequence 1 with the adapter, one batch */
    float half = 0.5f;
    assert_ok(tabllm_session_set_seq_adapters(s, 1, &ad, &half, 1));
    tabllm_token t[4] = {3, 3, 5, 5};
    int32_t seq[4] = {0, 1, 0, 1};
    int8_t want[4] = {0, 0, 1, 1};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 4, .tokens = t, .seq_ids = seq,
                      .logits = want};
    assert_ok(tabllm_session_decode(s, &b));
    const float *l0, *l1;
    assert_ok(tabllm_session_logits(s, 2, &l0));
    assert_ok(tabllm_session_logits(s, 3, &l1));
    assert_true(fabs(l0[0] - l1[0]) > 1e-6);
    assert_status(tabllm_session_merge_adapters(s), TABLLM_ERR_INVALID_ARGUMENT,
                  "different adapter sets");
    assert_ok(tabllm_session_set_adapters(s, &ad, &half, 1));
    assert_ok(tabllm_session_merge_adapters(s));
    assert_true(tabllm_session_adapters_merged(s));
    tabllm_session_unmerge_adapters(s);
    /* free in any order: the session keeps the adapter and the model */
    tabllm_adapter_free(ad);
    tabllm_model_free(m);
    assert_ok(tabllm_session_seq_clear(s, -1));
    assert_ok(tabllm_session_decode(s, &b));
    tabllm_session_free(s);
    tiny_remove(adir);
    tiny_remove(mdir);
}

static void test_errors(void **state)
{
    (void)state;
    tabllm_adapter *ad = (tabllm_adapter *)1;
    assert_status(tabllm_adapter_load(NULL, "x", NULL, &ad), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_null(ad);
    assert_status(tabllm_adapter_params_init(NULL, 0), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_status(tabllm_adapter_target(NULL, 0, NULL), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_null(tabllm_adapter_model(NULL));
    assert_int_equal(tabllm_adapter_features(NULL), 0);
    tabllm_adapter_free(NULL);
    tabllm_session_unmerge_adapters(NULL);
    assert_string_equal(tabllm_status_string(TABLLM_ERR_ADAPTER_MISMATCH), "adapter mismatch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adapter_lifecycle),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
