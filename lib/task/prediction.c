/* tabllm_predict's entry point and its result object. */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/params.h"
#include "task/predict.h"

struct tabllm_prediction {
    size_t n_rows, n_labels, dim;
    char **labels;
    size_t *table_rows;
    uint32_t *label_tokens;
    double *lp[2], *prob[2]; /* [TABLLM_SCORING_SUM / MEAN] */
    int32_t *argmax[2];
    int32_t *truth;
    float *emb;
};

static const tabllm_predict_params predict_defaults = {
    .struct_size = sizeof(tabllm_predict_params),
    .shot_selection = TABLLM_SHOTS_RANDOM,
    .pooling = TABLLM_POOLING_MEAN,
    .n_threads = 1,
    .max_batch_tokens = 2048,
};

#define KNOWN_FLAGS                                                                           \
    (TABLLM_PREDICT_EMBEDDINGS | TABLLM_PREDICT_EMBEDDINGS_ONLY | TABLLM_PREDICT_NORMALIZE |  \
     TABLLM_PREDICT_NAIVE | TABLLM_PREDICT_MERGE_ADAPTERS)

tabllm_status tabllm_predict_params_init(tabllm_predict_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &predict_defaults, sizeof predict_defaults,
                          "tabllm_predict_params");
}

void tabllm_prediction_free(tabllm_prediction *pr)
{
    if (pr == NULL)
        return;
    for (size_t i = 0; pr->labels && i < pr->n_labels; i++)
        tl_free(pr->labels[i]);
    tl_free(pr->labels);
    tl_free(pr->table_rows);
    tl_free(pr->label_tokens);
    for (int v = 0; v < 2; v++) {
        tl_free(pr->lp[v]);
        tl_free(pr->prob[v]);
        tl_free(pr->argmax[v]);
    }
    tl_free(pr->truth);
    tl_free(pr->emb);
    tl_free(pr);
}

/* softmax over each row of x into p, and its argmax (lowest index on ties) */
static void softmax_rows(const double *x, size_t rows, size_t cols, double *p, int32_t *arg)
{
    for (size_t r = 0; r < rows; r++) {
        const double *xr = x + r * cols;
        double *pr = p + r * cols;
        size_t best = 0;
        for (size_t j = 1; j < cols; j++)
            if (xr[j] > xr[best])
                best = j;
        double sum = 0;
        for (size_t j = 0; j < cols; j++)
            sum += pr[j] = exp(xr[j] - xr[best]);
        for (size_t j = 0; j < cols; j++)
            pr[j] /= sum;
        arg[r] = (int32_t)best;
    }
}

tabllm_status tl_prediction_new(tl_pred_plan *plan, tl_pred_scores *scores, bool embeddings_only,
                                tabllm_prediction **out)
{
    tabllm_prediction *pr = tl_calloc(1, sizeof *pr);
    if (pr == NULL)
        return tl_error_oom("a prediction");
    const size_t R = plan->n_rows, L = embeddings_only ? 0 : plan->n_labels;
    pr->n_rows = R;
    pr->n_labels = L;
    pr->table_rows = plan->table_rows;
    plan->table_rows = NULL;
    pr->truth = plan->truth;
    plan->truth = NULL;
    pr->emb = scores->emb;
    pr->dim = scores->dim;
    scores->emb = NULL;
    tabllm_status st = TABLLM_OK;
    if (L > 0) {
        pr->labels = plan->labels;
        plan->labels = NULL;
        pr->lp[0] = scores->lp_sum;
        scores->lp_sum = NULL;
        if ((st = tl_alloc_array((void **)&pr->label_tokens, L, sizeof *pr->label_tokens,
                                 "results")) ||
            (st = tl_alloc_array((void **)&pr->lp[1], R * L, sizeof(double), "results")))
            goto done;
        for (size_t j = 0; j < L; j++)
            pr->label_tokens[j] = (uint32_t)tl_pred_label_len(plan, j);
        for (size_t i = 0; i < R * L; i++)
            pr->lp[1][i] = pr->lp[0][i] / pr->label_tokens[i % L];
        for (int v = 0; v < 2 && st == TABLLM_OK; v++) {
            if ((st = tl_alloc_array((void **)&pr->prob[v], R * L, sizeof(double), "results")) ||
                (st = tl_alloc_array((void **)&pr->argmax[v], R, sizeof(int32_t), "results")))
                break;
            softmax_rows(pr->lp[v], R, L, pr->prob[v], pr->argmax[v]);
        }
    } else if (pr->truth) {
        tl_free(pr->truth);
        pr->truth = NULL;
    }
done:
    if (st != TABLLM_OK) {
        tabllm_prediction_free(pr);
        return st;
    }
    *out = pr;
    return TABLLM_OK;
}

tabllm_status tabllm_predict(tabllm_model *model, const tabllm_tokenizer *tokenizer,
                             const tabllm_table *table, const tabllm_predict_params *params,
                             tabllm_prediction **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_predict: out is NULL");
    *out = NULL;
    if (model == NULL || tokenizer == NULL || table == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_predict: %s is NULL",
                        model == NULL ? "model" : tokenizer == NULL ? "tokenizer" : "table");
    tabllm_predict_params p = predict_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_predict_params");
    if (st != TABLLM_OK)
        return st;
    if (p.target == NULL || p.target[0] == '\0')
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: a target column is required");
    if (p.flags & ~(uint32_t)KNOWN_FLAGS)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: unknown flags 0x%x",
                        p.flags & ~(uint32_t)KNOWN_FLAGS);
    if (p.shot_selection > TABLLM_SHOTS_BALANCED)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: unknown shot selection %u",
                        p.shot_selection);
    if (p.pooling > TABLLM_POOLING_LAST)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: unknown pooling %u", p.pooling);
    if (p.n_rows > 0 && p.rows == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: n_rows is %zu but rows is NULL",
                        p.n_rows);
    if (p.n_shot_rows > 0 && p.shot_rows == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "predict: n_shot_rows is %zu but shot_rows is NULL", p.n_shot_rows);
    if (p.n_threads == 0 || p.n_threads > 256)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "predict: n_threads %u is not in 1..256",
                        p.n_threads);
    if (p.max_batch_tokens == 0)
        p.max_batch_tokens = predict_defaults.max_batch_tokens;
    if (p.flags & TABLLM_PREDICT_EMBEDDINGS_ONLY)
        p.flags |= TABLLM_PREDICT_EMBEDDINGS;

    tl_pred_plan plan;
    if ((st = tl_pred_plan_build(tokenizer, table, &p, &plan)) != TABLLM_OK)
        return st;
    tl_pred_scores scores;
    if ((st = tl_pred_run(model, &plan, &p, &scores)) == TABLLM_OK) {
        st = tl_prediction_new(&plan, &scores, (p.flags & TABLLM_PREDICT_EMBEDDINGS_ONLY) != 0,
                               out);
        tl_free(scores.lp_sum);
        tl_free(scores.emb);
    }
    tl_pred_plan_free(&plan);
    return st;
}

size_t tabllm_prediction_n_rows(const tabllm_prediction *pr)
{
    return pr ? pr->n_rows : 0;
}

size_t tabllm_prediction_n_labels(const tabllm_prediction *pr)
{
    return pr ? pr->n_labels : 0;
}

const char *tabllm_prediction_label(const tabllm_prediction *pr, size_t i)
{
    return pr && i < pr->n_labels ? pr->labels[i] : NULL;
}

size_t tabllm_prediction_table_row(const tabllm_prediction *pr, size_t i)
{
    return pr && i < pr->n_rows ? pr->table_rows[i] : SIZE_MAX;
}

const double *tabllm_prediction_probs(const tabllm_prediction *pr, tabllm_scoring scoring)
{
    return pr && (unsigned)scoring < 2 ? pr->prob[scoring] : NULL;
}

const double *tabllm_prediction_logprobs(const tabllm_prediction *pr, tabllm_scoring scoring)
{
    return pr && (unsigned)scoring < 2 ? pr->lp[scoring] : NULL;
}

const uint32_t *tabllm_prediction_label_tokens(const tabllm_prediction *pr)
{
    return pr ? pr->label_tokens : NULL;
}

const int32_t *tabllm_prediction_argmax(const tabllm_prediction *pr, tabllm_scoring scoring)
{
    return pr && (unsigned)scoring < 2 ? pr->argmax[scoring] : NULL;
}

const int32_t *tabllm_prediction_truth(const tabllm_prediction *pr)
{
    return pr ? pr->truth : NULL;
}

const float *tabllm_prediction_embeddings(const tabllm_prediction *pr, size_t *dim)
{
    if (dim)
        *dim = pr && pr->emb ? pr->dim : 0;
    return pr ? pr->emb : NULL;
}
