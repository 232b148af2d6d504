/* Row prediction internals.
 *
 * tabllm_predict() runs in two stages. The plan (predict_plan.c) turns the
 * table into token ids: labels and their continuations, the shared prefix
 * (BOS, few-shot examples and the opening every prompt has in common) and
 * each row's own prompt tokens. The scorer (predict_run.c) then runs the
 * model over the plan, sharing the prefix between rows and each row's
 * prompt between its labels, and fills the result (prediction.c). */
#ifndef TL_TASK_PREDICT_H
#define TL_TASK_PREDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct tl_pred_plan {
    size_t n_rows;       /* query rows */
    size_t *table_rows;  /* [n_rows] their table row indexes */
    size_t n_labels;     /* 0 when only embedding */
    char **labels;       /* [n_labels] as printed */
    tabllm_token *label_ids; /* every label's continuation ids, label after label */
    size_t *label_start;     /* [n_labels + 1] */
    tabllm_token *prefix;    /* shared by every row: BOS, shots, common opening */
    size_t n_prefix;
    size_t prompt_from;      /* where the query prompt starts in the prefix (pooling) */
    tabllm_token *row_ids;   /* each row's tokens after the prefix, row after row */
    size_t *row_start;       /* [n_rows + 1]; every row has at least one */
    int32_t *truth;          /* [n_rows] or NULL: label index, -1 missing, -2 unseen */
} tl_pred_plan;

/* The predict params after reading and checking. */
typedef struct tabllm_predict_params tl_pred_params;

tabllm_status tl_pred_plan_build(const tabllm_tokenizer *tok, const tabllm_table *table,
                                 const tl_pred_params *p, tl_pred_plan *plan);
void tl_pred_plan_free(tl_pred_plan *plan);

static inline size_t tl_pred_label_len(const tl_pred_plan *plan, size_t j)
{
    return plan->label_start[j + 1] - plan->label_start[j];
}

static inline size_t tl_pred_row_len(const tl_pred_plan *plan, size_t r)
{
    return plan->row_start[r + 1] - plan->row_start[r];
}

/* Scores and embeddings, filled by the scorer. */
typedef struct tl_pred_scores {
    double *lp_sum;  /* [n_rows * n_labels] summed log-probabilities */
    float *emb;      /* [n_rows * dim] or NULL */
    size_t dim;
} tl_pred_scores;

tabllm_status tl_pred_run(tabllm_model *model, const tl_pred_plan *plan, const tl_pred_params *p,
                          tl_pred_scores *out);

/* Builds the result from the plan and the scores (takes the scores' arrays,
 * copies what it keeps of the plan). */
tabllm_status tl_prediction_new(tl_pred_plan *plan, tl_pred_scores *scores, bool embeddings_only,
                                tabllm_prediction **out);

#endif
