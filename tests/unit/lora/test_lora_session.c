/* Adapters in sessions: argument checks, conflicts, merge rules, the base
 * model restored exactly, sessions of one model with different adapters
 * at once, and out-of-memory at every allocation of loading, attaching,
 * merging and decoding. */
#include <math.h>
#include <pthread.h>

#include "../../common/test_util.h"
#include "../model/tiny_model.h"
#include "base/alloc.h"
#include "lora/lora.h"
#include "tiny_adapter.h"

static char *model_dir, *dir_plain, *dir_rich, *dir_head;
static tabllm_model *model;

#define PLAIN "{\"peft_type\":\"LORA\",\"r\":4,\"lora_alpha\":8,\"target_modules\":\"all-linear\"," \
              "\"lora_bias\":true,\"rank_pattern\":{\"down_proj\":2}}"
#define RICH "{\"peft_type\":\"LORA\",\"r\":2,\"lora_alpha\":4,\"use_dora\":true,"               \
             "\"target_modules\":[\"embed_tokens\",\"q_proj\",\"down_proj\"]}"
#define HEAD "{\"peft_type\":\"LORA\",\"r\":2,\"target_modules\":[\"v_proj\"],"                  \
             "\"modules_to_save\":[\"lm_head\",\"embed_tokens\"]}"

static void write_adapters(void)
{
    const char *mods[] = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                          "down_proj"};
    ta a = {.n = 0};
    char n[160];
    for (int l = 0; l < 2; l++)
        for (int m = 0; m < 7; m++) {
            ta_lora(&a, l, mods[m], m == 6 ? 2 : 4, "");
            int64_t in, out;
            ta_dims(mods[m], &in, &out);
            snprintf(n, sizeof n, "%s", a.t[a.n - 1].name);
            strcpy(strstr(n, ".weight"), ".bias");
            ta_add(&a, n, out, 0);
        }
    dir_plain = ta_dir();
    ta_write(dir_plain, PLAIN, &a);
    a.n = 0;
    ta_add(&a, "base_model.model.model.embed_tokens.lora_embedding_A", 2, 16);
    ta_add(&a, "base_model.model.model.embed_tokens.lora_embedding_B", 8, 2);
    ta_add(&a, "base_model.model.model.embed_tokens.lora_magnitude_vector", 8, 0);
    for (int l = 0; l < 2; l++)
        for (int m = 0; m < 2; m++) {
            const char *mod = m ? "down_proj" : "q_proj";
            ta_lora(&a, l, mod, 2, "");
            snprintf(n, sizeof n, "base_model.model.model.layers.%d.%s.%s.lora_magnitude_vector",
                     l, m ? "mlp" : "self_attn", mod);
            ta_add(&a, n, 8, 0);
        }
    dir_rich = ta_dir();
    ta_write(dir_rich, RICH, &a);
    a.n = 0;
    ta_lora(&a, 0, "v_proj", 2, "");
    ta_lora(&a, 1, "v_proj", 2, "");
    ta_add(&a, "base_model.model.lm_head.weight", 16, 8);
    ta_add(&a, "base_model.model.model.embed_tokens.weight", 16, 8);
    dir_head = ta_dir();
    ta_write(dir_head, HEAD, &a);
}

static int setup(void **state)
{
    (void)state;
    model_dir = tiny_model(NULL, NULL, NULL, NULL);
    write_adapters();
    return tabllm_model_load(model_dir, NULL, &model) == TABLLM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tabllm_model_free(model);
    tiny_remove(model_dir);
    tiny_remove(dir_plain);
    tiny_remove(dir_rich);
    tiny_remove(dir_head);
    return 0;
}

static tabllm_adapter *load(const char *dir)
{
    tabllm_adapter *a = NULL;
    assert_ok(tabllm_adapter_load(model, dir, NULL, &a));
    return a;
}

static tabllm_session *session(uint32_t n_seq, uint32_t threads)
{
    tabllm_session_params sp;
    assert_ok(tabllm_session_params_init(&sp, sizeof sp));
    sp.n_ctx = 16;
    sp.n_seq_max = n_seq;
    sp.n_threads = threads;
    tabllm_session *s = NULL;
    assert_ok(tabllm_session_new(model, &sp, &s));
    return s;
}

static const tabllm_token prompt[6] = {1, 5, 9, 2, 14, 7};

/* Logits of the last row of the prompt in sequence 0, after clearing. */
static void run(tabllm_session *s, float out[16])
{
    assert_ok(tabllm_session_seq_clear(s, -1));
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 6, .tokens = prompt};
    assert_ok(tabllm_session_decode(s, &b));
    const float *l;
    assert_ok(tabllm_session_logits(s, -1, &l));
    memcpy(out, l, 16 * sizeof *l);
}

static double diff(const float *a, const float *b)
{
    double d = 0;
    for (int i = 0; i < 16; i++)
        d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

static void test_arguments(void **state)
{
    (void)state;
    tabllm_adapter *a = load(dir_plain), *h = load(dir_head), *h2 = load(dir_head);
    tabllm_session *s = session(2, 1);
    tabllm_adapter *two[2] = {a, a};
    float bad[2] = {1, NAN};
    assert_status(tabllm_session_set_adapters(NULL, &a, NULL, 1), TABLLM_ERR_INVALID_ARGUMENT,
                  "session is NULL");
    assert_status(tabllm_session_set_adapters(s, NULL, NULL, 1), TABLLM_ERR_INVALID_ARGUMENT,
                  "adapters is NULL");
    assert_status(tabllm_session_set_adapters(s, two, NULL, 2), TABLLM_ERR_INVALID_ARGUMENT,
                  "are the same adapter");
    two[1] = h;
    assert_status(tabllm_session_set_adapters(s, two, bad, 2), TABLLM_ERR_INVALID_ARGUMENT,
                  "scales[1] is not finite");
    two[1] = NULL;
    assert_status(tabllm_session_set_adapters(s, two, NULL, 2), TABLLM_ERR_INVALID_ARGUMENT,
                  "adapters[1] is NULL");
    assert_status(tabllm_session_set_seq_adapters(s, 2, &a, NULL, 1),
                  TABLLM_ERR_INVALID_ARGUMENT, "sequence id 2 is outside [0, 2)");
    /* two adapters replacing the same module cannot be active together */
    two[0] = h;
    two[1] = h2;
    assert_status(tabllm_session_set_adapters(s, two, NULL, 2), TABLLM_ERR_INVALID_ARGUMENT,
                  "one at a time");
    /* an adapter of another model */
    tabllm_model *m2;
    assert_ok(tabllm_model_load(model_dir, NULL, &m2));
    tabllm_adapter *other;
    assert_ok(tabllm_adapter_load(m2, dir_plain, NULL, &other));
    assert_status(tabllm_session_set_adapters(s, &other, NULL, 1), TABLLM_ERR_INVALID_ARGUMENT,
                  "loaded for another model");
    tabllm_adapter_free(other);
    tabllm_model_free(m2);
    /* merging needs one set for all sequences, once */
    assert_ok(tabllm_session_set_seq_adapters(s, 1, &a, NULL, 1));
    assert_status(tabllm_session_merge_adapters(s), TABLLM_ERR_INVALID_ARGUMENT,
                  "sequences 0 and 1 use different adapter sets");
    assert_ok(tabllm_session_set_seq_adapters(s, 0, &a, NULL, 1));
    assert_ok(tabllm_session_merge_adapters(s)); /* equal sets are shared */
    assert_status(tabllm_session_merge_adapters(s), TABLLM_ERR_INVALID_ARGUMENT, "already merged");
    assert_status(tabllm_session_set_adapters(s, NULL, NULL, 0), TABLLM_ERR_INVALID_ARGUMENT,
                  "unmerge them first");
    tabllm_session_unmerge_adapters(s);
    tabllm_session_unmerge_adapters(s); /* a no-op */
    assert_false(tabllm_session_adapters_merged(s));
    assert_ok(tabllm_session_set_adapters(s, NULL, NULL, 0));
    assert_ok(tabllm_session_merge_adapters(s)); /* nothing to merge */
    assert_false(tabllm_session_adapters_merged(s));
    assert_status(tabllm_session_merge_adapters(NULL), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_false(tabllm_session_adapters_merged(NULL));
    tabllm_session_free(s);
    /* a session that never had adapters */
    s = session(1, 1);
    assert_ok(tabllm_session_set_adapters(s, NULL, NULL, 0));
    assert_ok(tabllm_session_set_seq_adapters(s, 0, NULL, NULL, 0));
    assert_ok(tabllm_session_merge_adapters(s));
    tabllm_session_free(s);
    tabllm_adapter_free(a);
    tabllm_adapter_free(h);
    tabllm_adapter_free(h2);
}

/* Every kind of adapter changes the logits; removing it restores the base
 * bit for bit, merged or not; scale 0 is the base; merged equals unmerged. */
static void test_switching_and_merging(void **state)
{
    (void)state;
    tabllm_adapter *ads[3] = {load(dir_plain), load(dir_rich), load(dir_head)};
    tabllm_session *s = session(1, 2);
    float base[16], got[16], merged[16], again[16];
    run(s, base);
    for (int i = 0; i < 3; i++) {
        assert_ok(tabllm_session_set_adapters(s, &ads[i], NULL, 1));
        run(s, got);
        assert_true(diff(got, base) > 1e-3);
        assert_ok(tabllm_session_merge_adapters(s));
        run(s, merged);
        assert_true(diff(got, merged) < 1e-4 * (1 + fabs(got[0])));
        tabllm_session_unmerge_adapters(s);
        run(s, again);
        assert_memory_equal(again, got, sizeof got);
        assert_ok(tabllm_session_set_adapters(s, NULL, NULL, 0));
        run(s, again);
        assert_memory_equal(again, base, sizeof base);
    }
    /* stacking in order; a zero scale leaves a plain adapter (and its
     * lora_B.bias, which the scale multiplies too) out */
    tabllm_adapter *pair[2] = {ads[1], ads[0]};
    float sc[2] = {1, 0};
    assert_ok(tabllm_session_set_adapters(s, pair, sc, 2));
    run(s, got);
    assert_ok(tabllm_session_set_adapters(s, pair, NULL, 1));
    run(s, again);
    assert_true(diff(got, again) < 1e-6 * (1 + fabs(got[0])));
    sc[1] = 1;
    assert_ok(tabllm_session_set_adapters(s, pair, sc, 2));
    run(s, got);
    assert_true(diff(got, again) > 1e-3);
    tabllm_session_free(s);
    for (int i = 0; i < 3; i++)
        tabllm_adapter_free(ads[i]);
}

/* Two sessions of one model, different adapters, decoding at once. */
typedef struct job {
    tabllm_adapter *ad;
    float out[16];
} job;

static void *worker(void *p)
{
    job *j = p;
    tabllm_session *s = session(1, 1);
    if (j->ad)
        assert_ok(tabllm_session_set_adapters(s, &j->ad, NULL, 1));
    for (int k = 0; k < 20; k++)
        run(s, j->out);
    tabllm_session_free(s);
    return NULL;
}

static void test_concurrent_sessions(void **state)
{
    (void)state;
    job jobs[3] = {{.ad = load(dir_plain)}, {.ad = load(dir_rich)}, {.ad = NULL}};
    job alone[3];
    for (int i = 0; i < 3; i++) {
        alone[i].ad = jobs[i].ad;
        worker(&alone[i]);
    }
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++) {
        assert_memory_equal(jobs[i].out, alone[i].out, sizeof jobs[i].out);
        tabllm_adapter_free(jobs[i].ad);
    }
}

/* Out of memory at every allocation: a clean status, no leak, and the
 * session still works (and is unchanged) afterwards. */
static void test_out_of_memory(void **state)
{
    (void)state;
    const char *dirs[3] = {dir_plain, dir_rich, dir_head};
    for (int d = 0; d < 3; d++) {
        for (unsigned long n = 1;; n++) {
            tabllm_adapter *a = NULL;
            tl_alloc_fail_after(n);
            tabllm_status st = tabllm_adapter_load(model, dirs[d], NULL, &a);
            tl_alloc_fail_after(0);
            if (st == TABLLM_OK) {
                tabllm_adapter_free(a);
                break;
            }
            assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
            assert_null(a);
        }
    }
    tabllm_adapter *ads[3] = {load(dir_plain), load(dir_rich), load(dir_head)};
    tabllm_session *ref = session(2, 2);
    float want[16], got[16];
    assert_ok(tabllm_session_set_adapters(ref, ads, NULL, 2));
    run(ref, want);
    tabllm_session_free(ref);
    for (unsigned long n = 1;; n++) {
        tabllm_session *s = session(2, 2);
        tl_alloc_fail_after(n);
        tabllm_status st = tabllm_session_set_adapters(s, ads, NULL, 2);
        if (st == TABLLM_OK)
            st = tabllm_session_set_seq_adapters(s, 1, &ads[2], NULL, 1);
        if (st == TABLLM_OK)
            st = tabllm_session_set_seq_adapters(s, 1, ads, NULL, 2);
        if (st == TABLLM_OK) {
            tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 6, .tokens = prompt};
            st = tabllm_session_decode(s, &b);
        }
        if (st == TABLLM_OK)
            st = tabllm_session_merge_adapters(s);
        tl_alloc_fail_after(0);
        if (st != TABLLM_OK)
            assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
        tabllm_session_unmerge_adapters(s);
        assert_ok(tabllm_session_set_adapters(s, ads, NULL, 2));
        run(s, got);
        assert_memory_equal(got, want, sizeof got);
        tabllm_session_free(s);
        if (st == TABLLM_OK)
            break;
    }
    for (int i = 0; i < 3; i++)
        tabllm_adapter_free(ads[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_switching_and_merging),
        cmocka_unit_test(test_concurrent_sessions),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
