/* Classifies the rows of a CSV with the demo model and its LoRA adapter:
 * each row becomes a TabuLa-8B prompt, and each candidate label is scored by
 * its log-probability after the prompt (tabllm_predict), with the adapter
 * applied to every projection it targets.
 *
 *   classify [DEMO_DIR [CSV [N_ROWS]]]
 *       DEMO_DIR  default examples/demo (model/, adapter-biopsy/)
 *       CSV       default DEMO_DIR/data/biopsy-test.csv, target column "class"
 *       N_ROWS    only the first N rows (default: all)
 */
#include <stdio.h>
#include <stdlib.h>

#include <tabllm.h>

static int fail(const char *what, tabllm_status st)
{
    fprintf(stderr, "%s: %s (%s)\n", what, tabllm_last_error(), tabllm_status_string(st));
    return 1;
}

int main(int argc, char **argv)
{
    const char *demo = argc > 1 ? argv[1] : "examples/demo";
    char model_dir[4096], adapter_dir[4096], csv[4096];
    snprintf(model_dir, sizeof model_dir, "%s/model", demo);
    snprintf(adapter_dir, sizeof adapter_dir, "%s/adapter-biopsy", demo);
    if (argc > 2)
        snprintf(csv, sizeof csv, "%s", argv[2]);
    else
        snprintf(csv, sizeof csv, "%s/data/biopsy-test.csv", demo);
    size_t limit = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;

    tabllm_model *model = NULL;
    tabllm_tokenizer *tok = NULL;
    tabllm_adapter *adapter = NULL;
    tabllm_table *table = NULL;
    tabllm_prediction *result = NULL;
    size_t *rows = NULL;
    tabllm_status st;
    int rc = 1;

    if ((st = tabllm_model_load(model_dir, NULL, &model)) != TABLLM_OK ||
        (st = tabllm_tokenizer_load(model_dir, NULL, &tok)) != TABLLM_OK) {
        fail(model_dir, st);
        goto out;
    }
    /* The adapter is checked against the model here, module by module. */
    if ((st = tabllm_adapter_load(model, adapter_dir, NULL, &adapter)) != TABLLM_OK) {
        fail(adapter_dir, st);
        goto out;
    }
    if ((st = tabllm_table_load(csv, NULL, &table)) != TABLLM_OK) {
        fail(csv, st);
        goto out;
    }

    size_t n = tabllm_table_n_rows(table);
    if (limit > 0 && limit < n)
        n = limit;
    if ((rows = malloc((n ? n : 1) * sizeof *rows)) == NULL) {
        fprintf(stderr, "out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = i;

    const char *labels[] = {"benign", "malignant"};
    tabllm_predict_params p;
    tabllm_predict_params_init(&p, sizeof p);
    p.target = "class";
    p.labels = labels;
    p.n_labels = 2;
    p.rows = rows;
    p.n_rows = n;
    p.n_threads = 2;
    p.adapters = &adapter;
    p.n_adapters = 1;
    if ((st = tabllm_predict(model, tok, table, &p, &result)) != TABLLM_OK) {
        fail("predict", st);
        goto out;
    }

    const double *probs = tabllm_prediction_probs(result, TABLLM_SCORING_SUM);
    const int32_t *best = tabllm_prediction_argmax(result, TABLLM_SCORING_SUM);
    const int32_t *truth = tabllm_prediction_truth(result); /* NULL without a "class" column */
    size_t n_out = tabllm_prediction_n_rows(result), known = 0, correct = 0;
    for (size_t i = 0; i < n_out; i++) {
        int32_t t = truth ? truth[i] : -1;
        printf("row %3zu  %-9s  p=%.4f  (true: %s)\n", tabllm_prediction_table_row(result, i),
               labels[best[i]], probs[2 * i + (size_t)best[i]], t >= 0 ? labels[t] : "?");
        known += t >= 0;
        correct += t >= 0 && best[i] == t;
    }
    if (known > 0)
        printf("accuracy %.3f on %zu rows\n", (double)correct / (double)known, known);
    rc = 0;
out:
    free(rows);
    tabllm_prediction_free(result);
    tabllm_table_free(table);
    tabllm_adapter_free(adapter);
    tabllm_tokenizer_free(tok);
    tabllm_model_free(model);
    return rc;
}
