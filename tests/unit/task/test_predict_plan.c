/* The prediction plan, token by token, against examples/demo/expected.json
 * (ids from the Hugging Face tokenizers reference): the zero-shot prompt of
 * each row is BOS + its prompt; a label's continuation is label +
 * <|endcompletion|>; the 4-shot prefix is BOS + (shot prompt + shot label +
 * <|endcompletion|>) for each shot, BOS only first, as TabuLa packs samples;
 * the common opening of every prompt goes into the shared prefix. */
#include <jansson.h>

#include "../../common/test_util.h"
#include "table/table.h"
#include "task/predict.h"

typedef struct fx {
    json_t *exp;
    tabllm_tokenizer *tok;
    tabllm_table *test, *train;
} fx;

static char *src_path(const char *rel)
{
    const char *root = getenv("TABLLM_SOURCE_ROOT");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", root ? root : ".", rel);
    return p;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char *p = src_path("examples/demo/expected.json");
    json_error_t err;
    f->exp = json_load_file(p, 0, &err);
    free(p);
    if (f->exp == NULL) {
        free(f);
        return -1;
    }
    p = src_path("examples/demo/model");
    assert_ok(tabllm_tokenizer_load(p, NULL, &f->tok));
    free(p);
    p = src_path("examples/demo/data/biopsy-test.csv");
    assert_ok(tabllm_table_load(p, NULL, &f->test));
    free(p);
    p = src_path("examples/demo/data/biopsy-train.csv");
    assert_ok(tabllm_table_load(p, NULL, &f->train));
    free(p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tabllm_table_free(f->test);
    tabllm_table_free(f->train);
    tabllm_tokenizer_free(f->tok);
    json_decref(f->exp);
    free(f);
    return 0;
}

static void assert_ids(const json_t *want, const tabllm_token *got, size_t n, const char *what)
{
    if (json_array_size(want) != n)
        fail_msg("%s: %zu ids, expected %zu", what, n, json_array_size(want));
    for (size_t i = 0; i < n; i++)
        if (got[i] != (tabllm_token)json_integer_value(json_array_get(want, i)))
            fail_msg("%s: id %zu is %d, expected %lld", what, i, got[i],
                     (long long)json_integer_value(json_array_get(want, i)));
}

static void check_labels(const json_t *tokens, const tl_pred_plan *plan)
{
    assert_int_equal(plan->n_labels, 2);
    assert_string_equal(plan->labels[0], "benign");
    assert_string_equal(plan->labels[1], "malignant");
    for (size_t j = 0; j < 2; j++)
        assert_ids(json_object_get(json_object_get(tokens, "label_ids"), plan->labels[j]),
                   plan->label_ids + plan->label_start[j], tl_pred_label_len(plan, j), "label");
}

static void test_zero_shot_ids(void **state)
{
    fx *f = *state;
    tabllm_predict_params p;
    tabllm_predict_params_init(&p, sizeof p);
    p.target = "class";
    tl_pred_plan plan;
    assert_ok(tl_pred_plan_build(f->tok, f->test, &p, &plan));
    const json_t *tokens = json_object_get(f->exp, "tokens");
    check_labels(tokens, &plan);
    /* row 0: prefix + its own ids = BOS + prompt ids */
    size_t n = plan.n_prefix + tl_pred_row_len(&plan, 0);
    tabllm_token *ids = malloc(n * sizeof *ids);
    memcpy(ids, plan.prefix, plan.n_prefix * sizeof *ids);
    memcpy(ids + plan.n_prefix, plan.row_ids, tl_pred_row_len(&plan, 0) * sizeof *ids);
    assert_ids(json_object_get(tokens, "prompt_ids"), ids, n, "row 0");
    free(ids);
    /* BOS, then the opening every prompt shares ("Predict the class: ...") */
    assert_int_equal(plan.prefix[0], json_integer_value(json_object_get(tokens, "bos_id")));
    assert_int_equal(plan.prompt_from, 1);
    assert_true(plan.n_prefix > 10);
    assert_int_equal(plan.n_rows, 209);
    /* the truth, from the table */
    const json_t *rows = json_object_get(f->exp, "rows");
    for (size_t i = 0; i < plan.n_rows; i++)
        assert_string_equal(plan.labels[plan.truth[i]],
                            json_string_value(json_object_get(json_array_get(rows, i), "true")));
    tl_pred_plan_free(&plan);
}

static void test_four_shot_packing(void **state)
{
    fx *f = *state;
    const json_t *fs = json_object_get(f->exp, "few_shot");
    const json_t *srows = json_object_get(fs, "support_rows");
    size_t shots[16], n = json_array_size(srows);
    for (size_t i = 0; i < n; i++)
        shots[i] = (size_t)json_integer_value(json_array_get(srows, i));
    tabllm_predict_params p;
    tabllm_predict_params_init(&p, sizeof p);
    p.target = "class";
    const char *labels[] = {"benign", "malignant"};
    p.labels = labels;
    p.n_labels = 2;
    p.support = f->train;
    p.shot_rows = shots;
    p.n_shot_rows = n;
    tl_pred_plan plan;
    assert_ok(tl_pred_plan_build(f->tok, f->test, &p, &plan));
    assert_ids(json_object_get(fs, "prefix_ids"), plan.prefix, plan.prompt_from, "4-shot prefix");
    /* after the shots, each query prompt without its BOS */
    const json_t *pid = json_object_get(json_object_get(f->exp, "tokens"), "prompt_ids");
    size_t k = plan.n_prefix - plan.prompt_from, m = k + tl_pred_row_len(&plan, 0);
    tabllm_token *ids = malloc(m * sizeof *ids);
    memcpy(ids, plan.prefix + plan.prompt_from, k * sizeof *ids);
    memcpy(ids + k, plan.row_ids, tl_pred_row_len(&plan, 0) * sizeof *ids);
    json_t *no_bos = json_array();
    for (size_t i = 1; i < json_array_size(pid); i++)
        json_array_append(no_bos, json_array_get(pid, i));
    assert_ids(no_bos, ids, m, "query after shots");
    json_decref(no_bos);
    free(ids);
    tl_pred_plan_free(&plan);

    /* balanced selection: two of each label, the same for a seed */
    p.shot_rows = NULL;
    p.n_shot_rows = 0;
    p.n_shots = 4;
    p.shot_selection = TABLLM_SHOTS_BALANCED;
    p.seed = 3;
    tl_pred_plan a, b;
    assert_ok(tl_pred_plan_build(f->tok, f->test, &p, &a));
    assert_ok(tl_pred_plan_build(f->tok, f->test, &p, &b));
    assert_int_equal(a.prompt_from, b.prompt_from);
    assert_memory_equal(a.prefix, b.prefix, a.n_prefix * sizeof *a.prefix);
    /* count the labels the shots end with: "benign<|endcompletion|>" ids */
    size_t benign = 0, malignant = 0;
    for (size_t i = 0; i + 1 < a.prompt_from; i++)
        if (a.prefix[i + 1] == 3070) {
            benign += a.prefix[i] == a.label_ids[0];
            malignant += a.prefix[i] == a.label_ids[a.label_start[1]];
        }
    assert_int_equal(benign, 2);
    assert_int_equal(malignant, 2);
    tl_pred_plan_free(&a);
    tl_pred_plan_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_shot_ids),
        cmocka_unit_test(test_four_shot_packing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
