/* Shared helpers for the paper-format unit tests: small tables built in
 * code, encoders run on a view of every row and column. */
#ifndef TABLLM_FORMATS_TEST_H
#define TABLLM_FORMATS_TEST_H

#include "test_util.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "table/encode.h"
#include "table/formats/formats.h"
#include "table/table.h"

/* A table from a header and `n_rows` rows of `n_cols` texts (NULL: missing). */
static inline tabllm_table *make_table(const char *const *names, size_t n_cols,
                                       const char *const *cells, size_t n_rows)
{
    tabllm_table *t = NULL;
    assert_int_equal(tl_table_new(n_cols, &t), TABLLM_OK);
    for (size_t c = 0; names != NULL && c < n_cols; c++)
        assert_int_equal(tl_table_set_column_name(t, c, names[c], strlen(names[c])), TABLLM_OK);
    size_t *lens = calloc(n_cols + 1, sizeof *lens);
    for (size_t r = 0; r < n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++)
            lens[c] = cells[r * n_cols + c] ? strlen(cells[r * n_cols + c]) : 0;
        assert_int_equal(tl_table_append_row(t, cells + r * n_cols, lens), TABLLM_OK);
    }
    free(lens);
    return t;
}

static inline tabllm_encode_params default_params(void)
{
    tabllm_encode_params p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.row = -1;
    return p;
}

/* Runs `fn` on every row and column of `t`; returns the status and, on
 * success, the text in *out (caller frees). */
static inline tabllm_status run_encoder(tl_encoder_fn fn, const tabllm_table *t,
                                        const tabllm_encode_params *p, char **out)
{
    size_t *rows = calloc(t->n_rows + 1, sizeof *rows);
    size_t *cols = calloc(t->n_cols + 1, sizeof *cols);
    for (size_t i = 0; i < t->n_rows; i++)
        rows[i] = i;
    for (size_t i = 0; i < t->n_cols; i++)
        cols[i] = i;
    tl_view v = {t, rows, t->n_rows, cols, t->n_cols};
    tl_buf b = TL_BUF_INIT;
    tabllm_status st = fn(&v, p, &b);
    *out = NULL;
    if (st == TABLLM_OK) {
        size_t len;
        *out = tl_buf_detach(&b, &len);
    }
    tl_buf_free(&b);
    free(rows);
    free(cols);
    return st;
}

/* Asserts that `fn` prints exactly `want`. */
#define assert_encodes(fn, t, p, want)                                                        \
    do {                                                                                      \
        char *got_;                                                                           \
        tabllm_status st_ = run_encoder((fn), (t), (p), &got_);                              \
        if (st_ != TABLLM_OK)                                                                 \
            fail_msg("%s failed: %d %s", #fn, (int)st_, tabllm_last_error());                \
        assert_string_equal(got_, (want));                                                    \
        tl_free(got_);                                                                        \
    } while (0)

/* Asserts that `fn` fails with `status` and a message containing `frag`. */
#define assert_encode_fails(fn, t, p, status, frag)                                           \
    do {                                                                                      \
        char *got_;                                                                           \
        assert_status(run_encoder((fn), (t), (p), &got_), (status), (frag));                  \
        assert_null(got_);                                                                    \
    } while (0)

#endif
