/* Rows per second of tabllm_predict against the naive loop, in one run.
 *
 *   bench_predict MODEL_DIR TABLE TARGET [--labels a,b] [--shots K --support FILE]
 *                 [--threads N] [--rows N] [--repeat N] [--dump FILE.json]
 *
 * "shared" is tabllm_predict as it runs by default (prefix once, each prompt
 * forked per label, rows batched). "naive" is every row x label evaluated as
 * its own full sequence (TABLLM_PREDICT_NAIVE), the same numbers computed the
 * slow way; their largest log-probability difference is printed too. --dump
 * writes the naive loop's sequences (token ids and what to score) for
 * llamacpp_naive.mjs to run through llama.cpp. Prints one JSON object. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "task/predict.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_predict: %s: %s\n", what, tabllm_last_error());
    exit(1);
}

/* The naive loop's sequences: for every row and label, prefix + row ids +
 * the label's tokens but the last; the label's tokens are scored from the
 * position before the first of them. */
static void dump(const char *path, const tl_pred_plan *plan)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fprintf(f, "{\"rows\": %zu, \"labels\": %zu, \"sequences\": [", plan->n_rows,
            plan->n_labels);
    for (size_t r = 0; r < plan->n_rows; r++)
        for (size_t j = 0; j < plan->n_labels; j++) {
            size_t m = tl_pred_label_len(plan, j), len = tl_pred_row_len(plan, r);
            const tabllm_token *c = plan->label_ids + plan->label_start[j];
            fprintf(f, "%s\n{\"row\": %zu, \"label\": %zu, \"ids\": [", r || j ? "," : "", r, j);
            for (size_t k = 0; k < plan->n_prefix; k++)
                fprintf(f, k ? ",%d" : "%d", plan->prefix[k]);
            for (size_t k = 0; k < len; k++)
                fprintf(f, ",%d", plan->row_ids[plan->row_start[r] + k]);
            for (size_t k = 0; k + 1 < m; k++)
                fprintf(f, ",%d", c[k]);
            fprintf(f, "], \"targets\": [");
            for (size_t k = 0; k < m; k++)
                fprintf(f, k ? ",%d" : "%d", c[k]);
            fprintf(f, "]}");
        }
    fprintf(f, "\n]}\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_predict MODEL_DIR TABLE TARGET [--labels a,b] [--shots K "
                        "--support FILE] [--threads N] [--rows N] [--repeat N] [--dump FILE]\n");
        return 2;
    }
    const char *model_dir = argv[1], *table_path = argv[2], *support_path = NULL, *dump_path = NULL;
    const char *labels[64];
    size_t n_labels = 0, shots = 0, threads = 1, max_rows = 0, repeat = 1;
    char *label_text = NULL;
    for (int i = 4; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--labels") == 0) {
            label_text = strdup(v);
            for (char *tok = strtok(label_text, ","); tok && n_labels < 64; tok = strtok(NULL, ","))
                labels[n_labels++] = tok;
        } else if (strcmp(a, "--shots") == 0) {
            shots = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--support") == 0) {
            support_path = v;
        } else if (strcmp(a, "--threads") == 0) {
            threads = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--rows") == 0) {
            max_rows = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--repeat") == 0) {
            repeat = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--dump") == 0) {
            dump_path = v;
        } else {
            fprintf(stderr, "bench_predict: unknown option %s\n", a);
            return 2;
        }
    }
    tabllm_set_blas_threads(1, NULL);
    tabllm_model *model;
    tabllm_tokenizer *tok;
    tabllm_table *table, *support = NULL;
    if (tabllm_model_load(model_dir, NULL, &model))
        die(model_dir);
    if (tabllm_tokenizer_load(model_dir, NULL, &tok))
        die("tokenizer");
    if (tabllm_table_load(table_path, NULL, &table))
        die(table_path);
    if (support_path && tabllm_table_load(support_path, NULL, &support))
        die(support_path);
    size_t n_rows = tabllm_table_n_rows(table);
    if (max_rows && max_rows < n_rows)
        n_rows = max_rows;
    size_t *rows = malloc(n_rows * sizeof *rows);
    for (size_t i = 0; i < n_rows; i++)
        rows[i] = i;
    tabllm_predict_params p;
    tabllm_predict_params_init(&p, sizeof p);
    p.target = argv[3];
    p.labels = n_labels ? labels : NULL;
    p.n_labels = n_labels;
    p.support = support;
    p.n_shots = (uint32_t)shots;
    p.shot_selection = TABLLM_SHOTS_BALANCED;
    p.n_threads = (uint32_t)threads;
    p.rows = rows;
    p.n_rows = n_rows;

    if (dump_path) {
        tl_pred_plan plan;
        if (tl_pred_plan_build(tok, table, &p, &plan))
            die("plan");
        dump(dump_path, &plan);
        tl_pred_plan_free(&plan);
    }
    double best[2] = {1e30, 1e30}, best_cpu[2] = {1e30, 1e30};
    tabllm_prediction *pr[2] = {NULL, NULL};
    for (size_t rep = 0; rep < repeat; rep++)
        for (int naive = 0; naive < 2; naive++) {
            p.flags = naive ? TABLLM_PREDICT_NAIVE : 0;
            tabllm_prediction_free(pr[naive]);
            double t0 = now(), c0 = cpu();
            if (tabllm_predict(model, tok, table, &p, &pr[naive]))
                die("predict");
            double t = now() - t0, c = cpu() - c0;
            if (t < best[naive])
                best[naive] = t;
            if (c < best_cpu[naive])
                best_cpu[naive] = c;
        }
    size_t L = tabllm_prediction_n_labels(pr[0]);
    const double *a = tabllm_prediction_logprobs(pr[0], TABLLM_SCORING_SUM);
    const double *b = tabllm_prediction_logprobs(pr[1], TABLLM_SCORING_SUM);
    double diff = 0;
    for (size_t i = 0; i < n_rows * L; i++)
        diff = fmax(diff, fabs(a[i] - b[i]));
    printf("{\"engine\": \"tabllm\", \"rows\": %zu, \"labels\": %zu, \"shots\": %zu, "
           "\"threads\": %zu, \"shared_rows_per_s\": %.2f, \"naive_rows_per_s\": %.2f, "
           "\"speedup\": %.2f, \"shared_cpu_rows_per_s\": %.2f, \"naive_cpu_rows_per_s\": %.2f, "
           "\"max_logprob_diff\": %.3g, \"logprobs\": [",
           n_rows, L, shots, threads, (double)n_rows / best[0], (double)n_rows / best[1],
           best[1] / best[0], (double)n_rows / best_cpu[0], (double)n_rows / best_cpu[1], diff);
    for (size_t i = 0; i < n_rows * L; i++)
        printf(i ? ",%.7g" : "%.7g", a[i]);
    printf("]}\n");
    tabllm_prediction_free(pr[0]);
    tabllm_prediction_free(pr[1]);
    free(rows);
    free(label_text);
    tabllm_table_free(table);
    tabllm_table_free(support);
    tabllm_tokenizer_free(tok);
    tabllm_model_free(model);
    return 0;
}
