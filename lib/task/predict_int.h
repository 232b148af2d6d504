/* Helpers of the prediction plan: target values as printed, labels, tables. */
#ifndef TL_TASK_PREDICT_INT_H
#define TL_TASK_PREDICT_INT_H

#include <stdbool.h>

#include "base/buf.h"
#include "table/formats/pandas.h"
#include "table/table.h"
#include "task/predict.h"

/* A table's target column and how its values are printed: as pandas holds
 * them (TabuLa, UniPredict) or as written. */
typedef struct tl_target {
    const tabllm_table *t;
    size_t col;
    bool pandas;
    tl_pd_column info;
} tl_target;

void tl_target_init(tl_target *tc, const tabllm_table *t, size_t col, bool pandas);

/* The value of `row` as prompts print it, into b (replacing its contents);
 * false when the value is missing. */
bool tl_target_text(const tl_target *tc, size_t row, tl_buf *b);

/* The distinct non-missing values, in order of first appearance. */
tabllm_status tl_labels_derive(const tl_target *tc, char ***labels, size_t *n);
void tl_labels_free(char **labels, size_t n);

/* The index of s among labels, or -1. */
int32_t tl_label_index(char *const *labels, size_t n, const char *s, size_t len);

/* A copy of t with one more column, `name`, every cell missing. */
tabllm_status tl_table_with_column(const tabllm_table *t, const char *name, tabllm_table **out);

#endif
