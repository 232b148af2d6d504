/* The session API: misuse is refused with a message and leaves the session
 * unchanged; KV operations, embeddings and sampling behave as documented. */
#include <math.h>
#include <pthread.h>

#include "../../common/test_util.h"
#include "base/alloc.h"
#include "model/session.h"
#include "tiny_model.h"

static char *dir;
static tabllm_model *model;

static int setup(void **state)
{
    (void)state;
    dir = tiny_model(NULL, NULL, NULL, NULL);
    return tabllm_model_load(dir, NULL, &model) == TABLLM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tabllm_model_free(model);
    tiny_remove(dir);
    return 0;
}

static tabllm_session *new_session(uint32_t n_ctx, uint32_t n_seq, uint32_t flags)
{
    tabllm_session_params p;
    assert_ok(tabllm_session_params_init(&p, sizeof p));
    p.n_ctx = n_ctx;
    p.n_seq_max = n_seq;
    p.flags = flags;
    tabllm_session *s;
    assert_ok(tabllm_session_new(model, &p, &s));
    return s;
}

static void test_params_and_creation_errors(void **state)
{
    (void)state;
    tabllm_session_params p;
    tabllm_session *s;
    assert_ok(tabllm_session_params_init(&p, sizeof p));
    assert_int_equal(p.n_seq_max, 1);
    assert_int_equal(p.n_threads, 1);
    p.n_threads = 0;
    assert_status(tabllm_session_new(model, &p, &s), TABLLM_ERR_INVALID_ARGUMENT, "n_threads=0");
    assert_null(s);
    p.n_threads = 1;
    p.n_seq_max = 0;
    assert_status(tabllm_session_new(model, &p, &s), TABLLM_ERR_INVALID_ARGUMENT, "n_seq_max=0");
    p.n_seq_max = 1;
    p.flags = 0x100;
    assert_status(tabllm_session_new(model, &p, &s), TABLLM_ERR_INVALID_ARGUMENT, "flags");
    assert_status(tabllm_session_new(NULL, NULL, &s), TABLLM_ERR_INVALID_ARGUMENT, "model");
    assert_ok(tabllm_session_new(model, NULL, &s));
    assert_int_equal(tabllm_session_n_ctx(s), 64); /* min(n_ctx_train, 4096) */
    assert_ptr_equal(tabllm_session_model(s), model);
    tabllm_session_free(s);
    tabllm_session_free(NULL);
}

static void test_batch_errors_leave_state_unchanged(void **state)
{
    (void)state;
    tabllm_session *s = new_session(8, 2, 0);
    int32_t toks[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 3, .tokens = toks};
    assert_ok(tabllm_session_decode(s, &b));
    assert_int_equal(tabllm_session_seq_length(s, 0), 3);
    int32_t bad_tok[2] = {1, 16};
    b.tokens = bad_tok;
    b.n_tokens = 2;
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_INVALID_ARGUMENT,
                  "batch row 1: token id 16 is outside the vocabulary [0, 16)");
    int32_t seqs[2] = {0, 2};
    b.tokens = toks;
    b.seq_ids = seqs;
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_INVALID_ARGUMENT,
                  "batch row 1: sequence id 2 is outside [0, 2)");
    int32_t pos[2] = {3, 5};
    seqs[1] = 0;
    b.positions = pos;
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_INVALID_ARGUMENT,
                  "position 5 does not continue sequence 0");
    b.positions = NULL;
    b.seq_ids = NULL;
    b.n_tokens = 6;
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_CONTEXT_FULL, "context of 8 tokens");
    b.n_tokens = 0;
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_INVALID_ARGUMENT, "no tokens");
    tabllm_batch big = {.struct_size = sizeof big + 4, .n_tokens = 1, .tokens = toks};
    assert_status(tabllm_session_decode(s, &big), TABLLM_ERR_ABI_MISMATCH, "tabllm_batch");
    assert_int_equal(tabllm_session_seq_length(s, 0), 3);
    assert_int_equal(tabllm_session_seq_length(s, 1), 0);
    assert_int_equal(tabllm_session_seq_length(s, 7), 0);
    /* the last successful batch's outputs are still there */
    const float *l;
    assert_ok(tabllm_session_logits(s, -1, &l));
    assert_ok(tabllm_session_logits(s, 2, &l));
    assert_status(tabllm_session_logits(s, 0, &l), TABLLM_ERR_INVALID_ARGUMENT,
                  "did not ask for logits");
    assert_status(tabllm_session_logits(s, 3, &l), TABLLM_ERR_INVALID_ARGUMENT, "outside");
    assert_status(tabllm_session_hidden(s, 0, &l), TABLLM_ERR_INVALID_ARGUMENT,
                  "TABLLM_SESSION_KEEP_HIDDEN");
    /* exactly full is fine, one more is not */
    b.n_tokens = 5;
    assert_ok(tabllm_session_decode(s, &b));
    b.n_tokens = 1;
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_CONTEXT_FULL, NULL);
    tabllm_session_free(s);
}

static void copy_row(tabllm_session *s, int32_t i, float *out)
{
    const float *l;
    assert_ok(tabllm_session_logits(s, i, &l));
    memcpy(out, l, 16 * sizeof(float));
}

static void test_kv_operations(void **state)
{
    (void)state;
    tabllm_session *s = new_session(16, 3, 0);
    int32_t toks[6] = {4, 5, 6, 7, 8, 9};
    int8_t all[6] = {1, 1, 1, 1, 1, 1};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 6, .tokens = toks, .logits = all};
    assert_ok(tabllm_session_decode(s, &b));
    float full[6][16];
    for (int i = 0; i < 6; i++)
        copy_row(s, i, full[i]);
    /* truncate to 3 and redo the rest: the same logits */
    assert_ok(tabllm_session_seq_truncate(s, 0, 3));
    assert_ok(tabllm_session_seq_truncate(s, 0, 10)); /* no-op */
    assert_int_equal(tabllm_session_seq_length(s, 0), 3);
    b.tokens = toks + 3;
    b.n_tokens = 3;
    assert_ok(tabllm_session_decode(s, &b));
    float again[16];
    copy_row(s, 2, again);
    assert_memory_equal(again, full[5], sizeof again);
    /* fork the first 4 into sequence 2 and continue there */
    assert_ok(tabllm_session_seq_copy(s, 0, 2, 4));
    int32_t seq2[2] = {2, 2};
    b.tokens = toks + 4;
    b.n_tokens = 2;
    b.seq_ids = seq2;
    assert_ok(tabllm_session_decode(s, &b));
    copy_row(s, 1, again);
    assert_memory_equal(again, full[5], sizeof again);
    assert_status(tabllm_session_seq_copy(s, 1, 0, 1), TABLLM_ERR_INVALID_ARGUMENT,
                  "holds 0 tokens");
    assert_status(tabllm_session_seq_copy(s, 0, 3, 1), TABLLM_ERR_INVALID_ARGUMENT,
                  "sequence id 3");
    assert_status(tabllm_session_seq_clear(s, 5), TABLLM_ERR_INVALID_ARGUMENT, "sequence id 5");
    assert_status(tabllm_session_seq_truncate(s, -2, 0), TABLLM_ERR_INVALID_ARGUMENT, NULL);
    assert_ok(tabllm_session_seq_clear(s, -1));
    assert_int_equal(tabllm_session_seq_length(s, 0), 0);
    assert_int_equal(tabllm_session_seq_length(s, 2), 0);
    tabllm_session_free(s);
}

static void test_embeddings(void **state)
{
    (void)state;
    tabllm_session *s = new_session(16, 2, TABLLM_SESSION_KEEP_HIDDEN);
    int32_t toks[4] = {3, 1, 4, 1};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 4, .tokens = toks};
    assert_ok(tabllm_session_decode(s, &b));
    float mean[8] = {0}, got[8], last[8];
    for (int i = 0; i < 4; i++) {
        const float *h;
        assert_ok(tabllm_session_hidden(s, i, &h));
        for (int d = 0; d < 8; d++)
            mean[d] += h[d] / 4;
        if (i == 3)
            memcpy(last, h, sizeof last);
    }
    assert_ok(tabllm_session_embed(s, 0, TABLLM_POOLING_MEAN, 0, got, 8));
    for (int d = 0; d < 8; d++)
        assert_float_equal(got[d], mean[d], 1e-5);
    assert_ok(tabllm_session_embed(s, 0, TABLLM_POOLING_LAST, 0, got, 8));
    assert_memory_equal(got, last, sizeof last);
    assert_ok(tabllm_session_embed(s, 0, TABLLM_POOLING_LAST, TABLLM_EMBED_NORMALIZE, got, 8));
    double norm = 0;
    for (int d = 0; d < 8; d++)
        norm += (double)got[d] * got[d];
    assert_float_equal(norm, 1.0, 1e-5);
    assert_status(tabllm_session_embed(s, 0, TABLLM_POOLING_MEAN, 0, got, 7),
                  TABLLM_ERR_BUFFER_TOO_SMALL, "needs 8 floats");
    assert_status(tabllm_session_embed(s, 1, TABLLM_POOLING_MEAN, 0, got, 8),
                  TABLLM_ERR_INVALID_ARGUMENT, "empty");
    assert_status(tabllm_session_embed(s, 0, (tabllm_pooling)7, 0, got, 8),
                  TABLLM_ERR_INVALID_ARGUMENT, "pooling");
    tabllm_session_free(s);
    s = new_session(16, 1, 0);
    assert_status(tabllm_session_embed(s, 0, TABLLM_POOLING_MEAN, 0, got, 8),
                  TABLLM_ERR_INVALID_ARGUMENT, "KEEP_HIDDEN");
    tabllm_session_free(s);
}

static void test_sampling(void **state)
{
    (void)state;
    tabllm_session *s = new_session(16, 1, 0);
    int32_t toks[3] = {3, 1, 4};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 3, .tokens = toks};
    assert_ok(tabllm_session_decode(s, &b));
    const float *l;
    assert_ok(tabllm_session_logits(s, -1, &l));
    int best = 0, worst = 0;
    for (int i = 1; i < 16; i++) {
        best = l[i] > l[best] ? i : best;
        worst = l[i] < l[worst] ? i : worst;
    }
    tabllm_token t;
    assert_ok(tabllm_session_sample(s, -1, NULL, NULL, 0, &t));
    assert_int_equal(t, best);
    tabllm_sampler_params p;
    assert_ok(tabllm_sampler_params_init(&p, sizeof p));
    p.temperature = 1.0f;
    p.top_k = 1;
    assert_ok(tabllm_session_sample(s, -1, &p, NULL, 0, &t));
    assert_int_equal(t, best);
    /* a tiny top_p keeps only the best token */
    p.top_k = 0;
    p.top_p = 1e-6f;
    assert_ok(tabllm_session_sample(s, -1, &p, NULL, 0, &t));
    assert_int_equal(t, best);
    /* min_p = 1 keeps only the best too */
    p.top_p = 1.0f;
    p.min_p = 1.0f;
    assert_ok(tabllm_session_sample(s, -1, &p, NULL, 0, &t));
    assert_int_equal(t, best);
    /* a huge repetition penalty on the best token hands greedy to another */
    tabllm_sampler_params g;
    assert_ok(tabllm_sampler_params_init(&g, sizeof g));
    g.repetition_penalty = 1e6f;
    tabllm_token hist[2] = {(tabllm_token)best, (tabllm_token)best};
    assert_ok(tabllm_session_sample(s, -1, &g, hist, 2, &t));
    assert_int_not_equal(t, best);
    /* the same seed gives the same draws; draws cover more than one token */
    p.min_p = 0;
    p.temperature = 50.0f;
    tabllm_token a[32], c[32];
    tabllm_session_set_seed(s, 7);
    for (int i = 0; i < 32; i++)
        assert_ok(tabllm_session_sample(s, -1, &p, NULL, 0, &a[i]));
    tabllm_session_set_seed(s, 7);
    int distinct = 0;
    for (int i = 0; i < 32; i++) {
        assert_ok(tabllm_session_sample(s, -1, &p, NULL, 0, &c[i]));
        distinct += c[i] != c[0];
    }
    assert_memory_equal(a, c, sizeof a);
    assert_true(distinct > 0);
    (void)worst;
    p.temperature = -1;
    assert_status(tabllm_session_sample(s, -1, &p, NULL, 0, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "temperature");
    p.temperature = 1;
    p.top_p = 0;
    assert_status(tabllm_session_sample(s, -1, &p, NULL, 0, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "top_p");
    tabllm_token badh[1] = {99};
    assert_status(tabllm_session_sample(s, -1, NULL, badh, 1, &t), TABLLM_ERR_INVALID_ARGUMENT,
                  "history[0] = 99");
    tabllm_session_free(s);
}

static void test_model_outlives_handle(void **state)
{
    (void)state;
    tabllm_model *m;
    assert_ok(tabllm_model_load(dir, NULL, &m));
    tabllm_session *s;
    assert_ok(tabllm_session_new(m, NULL, &s));
    tabllm_model_free(m); /* the session keeps it alive */
    int32_t tok = 5;
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 1, .tokens = &tok};
    assert_ok(tabllm_session_decode(s, &b));
    tabllm_session_free(s);
}

static void test_oom_growing_a_batch(void **state)
{
    (void)state;
    tabllm_session *s = new_session(16, 1, 0);
    int32_t toks[6] = {1, 2, 3, 4, 5, 6};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 1, .tokens = toks};
    assert_ok(tabllm_session_decode(s, &b));
    b.n_tokens = 5;
    tl_alloc_fail_after(3); /* past the counts, inside the activation buffers */
    assert_status(tabllm_session_decode(s, &b), TABLLM_ERR_OUT_OF_MEMORY, NULL);
    tl_alloc_fail_after(0);
    const float *l;
    assert_status(tabllm_session_logits(s, -1, &l), TABLLM_ERR_INVALID_ARGUMENT, "no row");
    assert_int_equal(tabllm_session_seq_length(s, 0), 1);
    assert_ok(tabllm_session_decode(s, &b));
    assert_ok(tabllm_session_logits(s, -1, &l));
    tabllm_session_free(s);
}

/* Sessions of one model on several threads at once give what one gives. */
struct worker_arg {
    float logits[16];
    tabllm_status st;
};

static void *session_worker(void *p)
{
    struct worker_arg *a = p;
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_threads = 2;
    tabllm_session *s;
    a->st = tabllm_session_new(model, &sp, &s);
    if (a->st != TABLLM_OK)
        return NULL;
    int32_t toks[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 12, .tokens = toks};
    for (int rep = 0; rep < 5 && a->st == TABLLM_OK; rep++) {
        tabllm_session_seq_clear(s, 0);
        a->st = tabllm_session_decode(s, &b);
    }
    const float *l;
    if (a->st == TABLLM_OK && (a->st = tabllm_session_logits(s, -1, &l)) == TABLLM_OK)
        memcpy(a->logits, l, sizeof a->logits);
    tabllm_session_free(s);
    return NULL;
}

static void test_concurrent_sessions(void **state)
{
    (void)state;
    struct worker_arg one, many[3];
    session_worker(&one);
    assert_ok(one.st);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, session_worker, &many[i]), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_ok(many[i].st);
        assert_memory_equal(many[i].logits, one.logits, sizeof one.logits);
    }
}

static void test_blas_threads(void **state)
{
    (void)state;
    int32_t prev;
    assert_ok(tabllm_set_blas_threads(1, &prev));
    assert_true(tl_blas_single_threaded());
    assert_ok(tabllm_set_blas_threads(prev, NULL));
    assert_status(tabllm_set_blas_threads(0, NULL), TABLLM_ERR_INVALID_ARGUMENT, "BLAS");
}

/* Every allocation of load, session creation and decode failing in turn:
 * a status, no crash, no leak (ASan and valgrind runs check the last). */
static void test_out_of_memory_everywhere(void **state)
{
    (void)state;
    int failures = 0;
    for (unsigned long k = 1; k < 400; k++) {
        tl_alloc_fail_after(k);
        tabllm_model *m = NULL;
        tabllm_session *s = NULL;
        tabllm_status st = tabllm_model_load(dir, NULL, &m);
        if (st == TABLLM_OK) {
            tabllm_session_params p;
            tabllm_session_params_init(&p, sizeof p);
            p.n_threads = 2;
            p.flags = TABLLM_SESSION_KEEP_HIDDEN;
            st = tabllm_session_new(m, &p, &s);
        }
        if (st == TABLLM_OK) {
            int32_t toks[3] = {1, 2, 3};
            tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 3, .tokens = toks};
            st = tabllm_session_decode(s, &b);
            if (st != TABLLM_OK) { /* a failed decode leaves no stale outputs */
                const float *l;
                assert_int_equal(tabllm_session_logits(s, -1, &l), TABLLM_ERR_INVALID_ARGUMENT);
                assert_int_equal(tabllm_session_seq_length(s, 0), 0);
            }
            if (st == TABLLM_OK) {
                tabllm_token t;
                st = tabllm_session_sample(s, -1, NULL, NULL, 0, &t);
            }
        }
        tl_alloc_fail_after(0);
        tabllm_session_free(s);
        tabllm_model_free(m);
        if (st == TABLLM_OK)
            break; /* past the last allocation */
        assert_int_equal(st, TABLLM_ERR_OUT_OF_MEMORY);
        failures++;
    }
    assert_true(failures > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_and_creation_errors),
        cmocka_unit_test(test_batch_errors_leave_state_unchanged),
        cmocka_unit_test(test_kv_operations),
        cmocka_unit_test(test_embeddings),
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_model_outlives_handle),
        cmocka_unit_test(test_blas_threads),
        cmocka_unit_test(test_oom_growing_a_batch),
        cmocka_unit_test(test_concurrent_sessions),
        cmocka_unit_test(test_out_of_memory_everywhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
