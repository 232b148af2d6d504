/* The contract between tabllm_table_encode() and the encoders.
 *
 * tabllm_table_encode() reads the params, applies row and column selection
 * and the token budget, and calls one encoder per tabllm_encoding through the
 * registry in encoders.c. An encoder writes the text of the selected rows and
 * columns, in the given order, into `out`; it never selects rows itself. */
#ifndef TL_TABLE_ENCODE_H
#define TL_TABLE_ENCODE_H

#include "base/buf.h"
#include "table/table.h"

/* The part of a table an encoder prints. */
typedef struct tl_view {
    const tabllm_table *table;
    const size_t *rows; /* n_rows row indexes of `table`, in output order */
    size_t n_rows;
    const size_t *cols; /* n_cols column indexes of `table`, in output order */
    size_t n_cols;
} tl_view;

typedef tabllm_status (*tl_encoder_fn)(const tl_view *view, const tabllm_encode_params *params,
                                       tl_buf *out);

typedef struct tl_encoder {
    tabllm_encoding id;
    const char *name; /* as the CLI spells it: "markdown", "tp-latex", ... */
    tl_encoder_fn encode;
} tl_encoder;

/* The registry (encoders.c); NULL for an encoding no encoder implements. */
const tl_encoder *tl_encoder_find(tabllm_encoding id);
const tl_encoder *tl_encoder_find_name(const char *name);
/* The registry in order, for listing every encoding (CLI help, tests). */
size_t tl_encoder_count(void);
const tl_encoder *tl_encoder_at(size_t i);

#endif
