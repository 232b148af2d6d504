/* tabllm_predict through the shared library (the demo model against
 * PyTorch is test_predict_demo.c).
 *
 * - The shared path (prefix computed once, prompts forked per label, rows
 *   batched) against TABLLM_PREDICT_NAIVE (every row and label alone) on
 *   random models, through labels of one and several tokens, few-shot, small
 *   batches, two threads and embeddings.
 * - Embeddings against pooling done by hand over a session's hidden states.
 * - Errors and cancellation. */
#include <math.h>

#include "../common/test_util.h"
#include "../common/tiny_model.h"

static char *src_path(const char *rel)
{
    const char *root = getenv("TABLLM_SOURCE_ROOT");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", root ? root : ".", rel);
    return p;
}

static tabllm_tokenizer *demo_tokenizer(void)
{
    char *p = src_path("examples/demo/model");
    tabllm_tokenizer *tok;
    assert_ok(tabllm_tokenizer_load(p, NULL, &tok));
    free(p);
    return tok;
}

/* ---- shared path == naive path on random models ------------------------ */

typedef struct rnd {
    char *dir;
    tabllm_model *model;
    tabllm_tokenizer *tok;
    tabllm_table *table, *support;
} rnd;

static const char csv_text[] =
    "age,city,score,label\n"
    "39,Paris,1.5,yes\n"
    "51,Lyon,,no\n"
    "22,Nantes,3.25,maybe not\n"
    "47,,0.5,yes\n"
    "30,Paris,2.0,no\n"
    "64,\"Lil\nle\",9.75,maybe not\n"
    "18,Nice,4.5,yes\n"
    "70,Paris,0.0,\n";

static void rnd_open(rnd *r, uint64_t seed)
{
    tiny_model_shape sh = {.vocab = 3072, .hidden = 48, .ff = 96, .layers = 2, .heads = 4,
                           .kv_heads = 2, .max_pos = 2048, .bos = 3068, .eos = 3070,
                           .seed = seed, .scale = 0.3f};
    r->dir = tiny_model_write(&sh);
    assert_ok(tabllm_model_load(r->dir, NULL, &r->model));
    r->tok = demo_tokenizer();
    char *path = test_write_temp(csv_text, sizeof csv_text - 1, ".csv");
    assert_ok(tabllm_table_load(path, NULL, &r->table));
    assert_ok(tabllm_table_load(path, NULL, &r->support));
    remove(path);
    free(path);
}

static void rnd_close(rnd *r)
{
    tabllm_table_free(r->table);
    tabllm_table_free(r->support);
    tabllm_tokenizer_free(r->tok);
    tabllm_model_free(r->model);
    tiny_model_remove(r->dir);
}

static void compare(const tabllm_prediction *a, const tabllm_prediction *b)
{
    size_t R = tabllm_prediction_n_rows(a), L = tabllm_prediction_n_labels(a);
    assert_int_equal(R, tabllm_prediction_n_rows(b));
    assert_int_equal(L, tabllm_prediction_n_labels(b));
    const double *x = tabllm_prediction_logprobs(a, TABLLM_SCORING_SUM);
    const double *y = tabllm_prediction_logprobs(b, TABLLM_SCORING_SUM);
    for (size_t i = 0; i < R * L; i++)
        if (fabs(x[i] - y[i]) > 1e-4 * fmax(1.0, fabs(y[i])))
            fail_msg("row %zu label %zu: shared %.7f, naive %.7f", i / L, i % L, x[i], y[i]);
    size_t da, db;
    const float *ea = tabllm_prediction_embeddings(a, &da);
    const float *eb = tabllm_prediction_embeddings(b, &db);
    assert_true((ea == NULL) == (eb == NULL));
    if (ea) {
        assert_int_equal(da, db);
        for (size_t i = 0; i < R * da; i++)
            if (fabsf(ea[i] - eb[i]) > 1e-4f * fmaxf(1.0f, fabsf(eb[i])))
                fail_msg("embedding %zu: %g vs %g", i, ea[i], eb[i]);
    }
}

static void shared_vs_naive(rnd *r, tabllm_predict_params *pp)
{
    tabllm_prediction *a, *b;
    assert_ok(tabllm_predict(r->model, r->tok, r->table, pp, &a));
    uint32_t flags = pp->flags;
    pp->flags |= TABLLM_PREDICT_NAIVE;
    assert_ok(tabllm_predict(r->model, r->tok, r->table, pp, &b));
    pp->flags = flags;
    compare(a, b);
    tabllm_prediction_free(a);
    tabllm_prediction_free(b);
}

static void test_shared_equals_naive(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 1; seed++) {
        rnd r;
        rnd_open(&r, seed);
        tabllm_predict_params pp;
        tabllm_predict_params_init(&pp, sizeof pp);
        pp.target = "label";
        /* labels from the table: yes, no, maybe not (+ <|endcompletion|>) */
        shared_vs_naive(&r, &pp);
        /* a few rows from here on (the test runs under valgrind too) */
        static const size_t some[] = {0, 2, 5, 7};
        pp.rows = some;
        pp.n_rows = 4;
        /* labels of one token and of several; no completion end */
        const char *labels[] = {"yes", "n", "maybe not at all, really"};
        pp.labels = labels;
        pp.n_labels = 3;
        pp.completion_end = "";
        shared_vs_naive(&r, &pp);
        pp.completion_end = NULL;
        /* tiny batches: one row per pass, rows too long for a pass, two threads */
        pp.max_batch_tokens = 7;
        pp.n_threads = 2;
        pp.flags = TABLLM_PREDICT_EMBEDDINGS;
        shared_vs_naive(&r, &pp);
        pp.max_batch_tokens = 0;
        /* few-shot, balanced and random, embeddings pooled last and normalised */
        pp.labels = NULL;
        pp.n_labels = 0;
        pp.support = r.support;
        pp.n_shots = 3;
        pp.shot_selection = TABLLM_SHOTS_BALANCED;
        pp.pooling = TABLLM_POOLING_LAST;
        pp.flags = TABLLM_PREDICT_EMBEDDINGS | TABLLM_PREDICT_NORMALIZE;
        shared_vs_naive(&r, &pp);
        pp.shot_selection = TABLLM_SHOTS_RANDOM;
        pp.seed = 5;
        pp.flags = 0;
        /* a template encoding and a label prefix */
        tabllm_encode_params ep;
        tabllm_encode_params_init(&ep, sizeof ep);
        ep.encoding = TABLLM_ENCODING_TEMPLATE;
        ep.template_text = "A person of {age} from {city} scores {score}. Label:";
        pp.encode = &ep;
        pp.label_prefix = " ";
        shared_vs_naive(&r, &pp);
        rnd_close(&r);
    }
}

/* Embeddings are the mean (or last) of the prompt tokens' final hidden
 * states, BOS left out. */
static void test_embeddings_by_hand(void **state)
{
    (void)state;
    rnd r;
    rnd_open(&r, 3);
    tabllm_predict_params pp;
    tabllm_predict_params_init(&pp, sizeof pp);
    pp.target = "label";
    pp.flags = TABLLM_PREDICT_EMBEDDINGS_ONLY;
    tabllm_prediction *pr;
    assert_ok(tabllm_predict(r.model, r.tok, r.table, &pp, &pr));
    assert_int_equal(tabllm_prediction_n_labels(pr), 0);
    assert_null(tabllm_prediction_probs(pr, TABLLM_SCORING_SUM));
    size_t dim;
    const float *emb = tabllm_prediction_embeddings(pr, &dim);
    assert_int_equal(dim, 48);
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = 512;
    sp.flags = TABLLM_SESSION_KEEP_HIDDEN;
    tabllm_session *s;
    assert_ok(tabllm_session_new(r.model, &sp, &s));
    const char *labels[] = {"yes", "no", "maybe not"};
    for (size_t row = 0; row < tabllm_table_n_rows(r.table); row++) {
        tabllm_encode_params ep;
        tabllm_encode_params_init(&ep, sizeof ep);
        ep.encoding = TABLLM_ENCODING_TABULA;
        ep.target = "label";
        ep.labels = labels;
        ep.n_labels = 3;
        ep.row = (int64_t)row;
        char *text;
        size_t len;
        assert_ok(tabllm_table_encode(r.table, &ep, &text, &len));
        tabllm_token ids[512];
        size_t n;
        assert_ok(tabllm_tokenizer_encode(r.tok, text, len, TABLLM_TOKENIZE_ADD_SPECIAL, ids, 512,
                                          &n, NULL));
        tabllm_free(text);
        assert_int_equal(ids[0], 3068);
        assert_ok(tabllm_session_seq_clear(s, 0));
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)n, .tokens = ids};
        assert_ok(tabllm_session_decode(s, &b));
        for (size_t d = 0; d < dim; d++) {
            double sum = 0;
            for (size_t k = 1; k < n; k++) {
                const float *h;
                assert_ok(tabllm_session_hidden(s, (int32_t)k, &h));
                sum += h[d];
            }
            float want = (float)(sum / (double)(n - 1)), got = emb[row * dim + d];
            if (fabsf(got - want) > 1e-4f * fmaxf(1.0f, fabsf(want)))
                fail_msg("row %zu dim %zu: %g vs %g", row, d, got, want);
        }
    }
    tabllm_session_free(s);
    tabllm_prediction_free(pr);
    rnd_close(&r);
}

/* ---- labels, truth and tables without the target ------------------------ */

static void test_labels_and_truth(void **state)
{
    (void)state;
    rnd r;
    rnd_open(&r, 4);
    tabllm_predict_params pp;
    tabllm_predict_params_init(&pp, sizeof pp);
    pp.target = "label";
    tabllm_prediction *pr;
    assert_ok(tabllm_predict(r.model, r.tok, r.table, &pp, &pr));
    assert_int_equal(tabllm_prediction_n_labels(pr), 3);
    assert_string_equal(tabllm_prediction_label(pr, 0), "yes");
    assert_string_equal(tabllm_prediction_label(pr, 1), "no");
    assert_string_equal(tabllm_prediction_label(pr, 2), "maybe not");
    assert_null(tabllm_prediction_label(pr, 3));
    const int32_t *truth = tabllm_prediction_truth(pr);
    static const int32_t want[] = {0, 1, 2, 0, 1, 2, 0, -1};
    assert_memory_equal(truth, want, sizeof want);
    const uint32_t *nt = tabllm_prediction_label_tokens(pr);
    const double *sum = tabllm_prediction_logprobs(pr, TABLLM_SCORING_SUM);
    const double *mean = tabllm_prediction_logprobs(pr, TABLLM_SCORING_MEAN);
    const double *p = tabllm_prediction_probs(pr, TABLLM_SCORING_MEAN);
    const int32_t *arg = tabllm_prediction_argmax(pr, TABLLM_SCORING_MEAN);
    for (size_t i = 0; i < 8; i++) {
        double total = 0;
        for (size_t j = 0; j < 3; j++) {
            assert_true(sum[i * 3 + j] < 0);
            assert_true(fabs(mean[i * 3 + j] - sum[i * 3 + j] / nt[j]) < 1e-12);
            total += p[i * 3 + j];
            assert_true(p[i * 3 + j] <= p[i * 3 + (size_t)arg[i]]);
        }
        assert_true(fabs(total - 1) < 1e-9);
        assert_int_equal(tabllm_prediction_table_row(pr, i), i);
    }
    assert_int_equal(tabllm_prediction_table_row(pr, 8), SIZE_MAX);
    assert_null(tabllm_prediction_probs(pr, (tabllm_scoring)7));
    assert_null(tabllm_prediction_embeddings(pr, NULL));
    tabllm_prediction_free(pr);

    /* labels given that miss a value of the table: truth -2; some rows only */
    const char *two[] = {"no", "yes"};
    const size_t rows[] = {2, 0};
    pp.labels = two;
    pp.n_labels = 2;
    pp.rows = rows;
    pp.n_rows = 2;
    assert_ok(tabllm_predict(r.model, r.tok, r.table, &pp, &pr));
    assert_int_equal(tabllm_prediction_n_rows(pr), 2);
    assert_int_equal(tabllm_prediction_table_row(pr, 0), 2);
    assert_int_equal(tabllm_prediction_truth(pr)[0], -2);
    assert_int_equal(tabllm_prediction_truth(pr)[1], 1);
    tabllm_prediction_free(pr);

    /* a table without the target column, labels from the support table */
    const char *names[] = {"age", "city", "score"};
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, 3, &t));
    const char *cells[] = {"39", "Paris", "1.5"};
    assert_ok(tabllm_table_append_row(t, cells, 3));
    pp.labels = NULL;
    pp.n_labels = 0;
    pp.rows = NULL;
    pp.n_rows = 0;
    pp.support = r.support;
    tabllm_prediction *q;
    assert_ok(tabllm_predict(r.model, r.tok, t, &pp, &q));
    assert_null(tabllm_prediction_truth(q));
    assert_int_equal(tabllm_prediction_n_labels(q), 3);
    /* the same prompt as row 0 of the full table (its target is left out) */
    pp.support = NULL;
    pp.rows = (const size_t[]){0};
    pp.n_rows = 1;
    assert_ok(tabllm_predict(r.model, r.tok, r.table, &pp, &pr));
    compare(q, pr);
    tabllm_prediction_free(pr);
    tabllm_prediction_free(q);
    tabllm_table_free(t);
    rnd_close(&r);
}

/* ---- errors --------------------------------------------------------------- */

static int cancel_after_first(size_t done, size_t total, void *user)
{
    (void)total;
    *(size_t *)user = done;
    return 1;
}

static void test_errors(void **state)
{
    (void)state;
    rnd r;
    rnd_open(&r, 5);
    tabllm_prediction *pr = (tabllm_prediction *)1;
    tabllm_predict_params pp;
    tabllm_predict_params_init(&pp, sizeof pp);
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "target column is required");
    assert_null(pr);
    assert_status(tabllm_predict(NULL, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "model is NULL");
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, NULL),
                  TABLLM_ERR_INVALID_ARGUMENT, "out is NULL");
    pp.target = "nope";
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_NOT_FOUND,
                  "no column named 'nope'");
    pp.target = "label";
    const char *dup[] = {"yes", "yes"};
    pp.labels = dup;
    pp.n_labels = 2;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "repeats label 0");
    const char *empty[] = {"yes", ""};
    pp.labels = empty;
    pp.completion_end = "";
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "label 1 '' has no tokens");
    pp.completion_end = NULL;
    const char *two[] = {"yes", "no"};
    pp.labels = two;
    /* shots whose target is missing or not a label */
    pp.support = r.support;
    pp.shot_rows = (const size_t[]){7};
    pp.n_shot_rows = 1;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "support row 7: the target value (missing) is missing");
    pp.shot_rows = (const size_t[]){2};
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "'maybe not' is not one of the labels");
    pp.shot_rows = (const size_t[]){99};
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "out of range");
    pp.shot_rows = NULL;
    pp.n_shot_rows = 0;
    pp.n_shots = 6;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "6 shots asked for, and the support table has 5 rows with a label");
    pp.shot_selection = TABLLM_SHOTS_BALANCED;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "label 'no' needs 3 support rows and has 2");
    pp.support = NULL;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "shots need a support table");
    pp.n_shots = 0;
    /* an encoding that is not per row */
    tabllm_encode_params ep;
    tabllm_encode_params_init(&ep, sizeof ep);
    pp.encode = &ep;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_UNSUPPORTED,
                  "one prompt per row");
    pp.encode = NULL;
    /* the context */
    pp.max_context = 40;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_CONTEXT_FULL,
                  "more than the context of 40");
    pp.max_context = 0;
    /* rows */
    pp.rows = (const size_t[]){8};
    pp.n_rows = 1;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "rows[0] = 8 is out of range");
    pp.rows = NULL;
    pp.n_rows = 0;
    pp.flags = 0x100;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "unknown flags");
    pp.flags = 0;
    /* an empty table */
    const char *names[] = {"age", "label"};
    tabllm_table *t;
    assert_ok(tabllm_table_new(names, 2, &t));
    assert_status(tabllm_predict(r.model, r.tok, t, &pp, &pr), TABLLM_ERR_TABLE_SHAPE,
                  "no rows to predict");
    /* every target value missing and no labels */
    const char *cells[] = {"3", NULL};
    assert_ok(tabllm_table_append_row(t, cells, 2));
    pp.labels = NULL;
    pp.n_labels = 0;
    assert_status(tabllm_predict(r.model, r.tok, t, &pp, &pr), TABLLM_ERR_INVALID_ARGUMENT,
                  "every value of the target column 'label'");
    tabllm_table_free(t);
    /* cancelled from the progress callback, shared and naive */
    size_t done = 0;
    pp.labels = two;
    pp.n_labels = 2;
    pp.max_batch_tokens = 64;
    pp.progress = cancel_after_first;
    pp.progress_user_data = &done;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_CANCELLED,
                  "cancelled after");
    assert_true(done > 0 && done < 8);
    pp.flags = TABLLM_PREDICT_NAIVE;
    assert_status(tabllm_predict(r.model, r.tok, r.table, &pp, &pr), TABLLM_ERR_CANCELLED,
                  "cancelled after 1 of 8 rows");
    assert_null(pr);
    tabllm_predict_params big;
    assert_status(tabllm_predict_params_init(&big, sizeof big + 8), TABLLM_ERR_ABI_MISMATCH,
                  NULL);
    tabllm_prediction_free(NULL);
    assert_int_equal(tabllm_prediction_n_rows(NULL), 0);
    rnd_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_equals_naive),
        cmocka_unit_test(test_embeddings_by_hand),
        cmocka_unit_test(test_labels_and_truth),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
