/* Choosing the rows and columns an encoder prints, and fitting the text
 * into a token budget (select.c, relevance.c, budget.c). */
#ifndef TL_TABLE_SELECT_H
#define TL_TABLE_SELECT_H

#include "base/buf.h"
#include "table/encode.h"

/* The candidate rows `rows[0..n)` (table indexes) narrowed in place by
 * p->row_sampling and p->max_rows; *n is updated. `cols` are the columns the
 * encoder will print (for RELEVANT). `stratify_col` is the resolved
 * p->stratify_column (for STRATIFIED). EVENLY reorders the rows as
 * TableProvider prints them; every other sampling keeps table order. */
tabllm_status tl_select_rows(const tabllm_table *t, const tabllm_encode_params *p,
                             size_t stratify_col, const size_t *cols, size_t n_cols, size_t *rows,
                             size_t *n);

/* Keeps in rows[0..*n) the max_rows rows whose cells (in `cols`) score
 * highest against `question` under BM25; table order; ties to the earlier
 * row. */
tabllm_status tl_relevant_rows(const tabllm_table *t, const size_t *cols, size_t n_cols,
                               const char *question, size_t max_rows, size_t *rows, size_t *n);

/* Keeps in cols[0..*n) the max_columns columns whose name and cells (in
 * `rows`) score highest against `question`; column `keep` (SIZE_MAX: none)
 * is always kept; original order. */
tabllm_status tl_relevant_columns(const tabllm_table *t, const size_t *rows, size_t n_rows,
                                  const char *question, size_t max_columns, size_t keep,
                                  size_t *cols, size_t *n);

/* Encodes `view` with `enc`, dropping trailing rows and then cutting long
 * cells until p->count_tokens says the text fits p->max_tokens. */
tabllm_status tl_encode_within_budget(const tl_encoder *enc, const tl_view *view,
                                      const tabllm_encode_params *p, tl_buf *out);

#endif
