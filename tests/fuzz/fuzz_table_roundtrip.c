/* libFuzzer target: the table writers read back by the readers. The input
 * builds a table (first byte: 1-4 columns; then fields separated by 0x1f,
 * the first ones naming the columns, 0x1e alone for a missing cell); it is
 * written as JSON (split and records orient) and CSV, then read back:
 *   JSON split: same names, rows and cells (text as written, except that a
 *               boolean comes back as true/false and a missing cell as null);
 *   JSON records: the same when the names are distinct and there are rows;
 *   CSV:        same texts, cell for cell; the names too when they are
 *               non-empty and distinct (the reader renames others as pandas
 *               does). Not when the first name opens with a byte order mark:
 *               the writer writes it bare, as csv.writer does, and the
 *               reader drops a BOM opening the file, as pandas does (a name
 *               that was only the BOM leaves a blank header line, which
 *               both skip).
 * A mismatch aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "table/table.h"
#include "tabllm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_FIELDS = 256 };

static bool opens_with_bom(const tabllm_table *t)
{
    return t->n_cols > 0 && tl_table_column_name(t, 0)->len >= 3 &&
           memcmp(tl_table_column_name(t, 0)->text, "\xEF\xBB\xBF", 3) == 0;
}

static bool names_plain(const tabllm_table *t)
{
    for (size_t j = 0; j < t->n_cols; j++) {
        const tl_cell *a = tl_table_column_name(t, j);
        if (a->len == 0)
            return false;
        for (size_t k = 0; k < j; k++) {
            const tl_cell *b = tl_table_column_name(t, k);
            if (a->len == b->len && memcmp(a->text, b->text, a->len) == 0)
                return false;
        }
    }
    return true;
}

static bool same_text(const tl_cell *a, const tl_cell *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static void check(const tabllm_table *src, const char *text, tabllm_table_format format,
                  bool json, bool names)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = format;
    p.delimiter = format == TABLLM_TABLE_FORMAT_CSV ? ',' : 0;
    p.ragged_policy = TABLLM_RAGGED_ERROR;
    tabllm_table *back;
    if (tabllm_table_from_memory(text, strlen(text), &p, &back) != TABLLM_OK)
        abort(); /* what a writer writes, its reader reads */
    if (back->n_cols != src->n_cols || back->n_rows != src->n_rows)
        abort();
    for (size_t j = 0; names && j < src->n_cols; j++)
        if (!same_text(tl_table_column_name(src, j), tl_table_column_name(back, j)))
            abort();
    for (size_t i = 0; i < src->n_rows; i++)
        for (size_t j = 0; j < src->n_cols; j++) {
            const tl_cell *a = tl_table_cell(src, i, j), *b = tl_table_cell(back, i, j);
            if (json && a->type == TL_CELL_BOOL) {
                if (b->type != TL_CELL_BOOL || b->value.b != a->value.b)
                    abort();
            } else if (!same_text(a, b) || (a->type == TL_CELL_NULL) != (b->type == TL_CELL_NULL)) {
                abort();
            }
        }
    tabllm_table_free(back);
}

static void write_and_read(const tabllm_table *t, tabllm_encoding enc, uint32_t orient,
                           tabllm_table_format format, bool names)
{
    tabllm_encode_params e;
    tabllm_encode_params_init(&e, sizeof e);
    e.encoding = enc;
    e.json_orient = orient;
    char *out;
    if (tabllm_table_encode(t, &e, &out, NULL) != TABLLM_OK)
        abort();
    check(t, out, format, enc == TABLLM_ENCODING_JSON, names);
    tabllm_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t n_cols = 1 + (data[0] & 3);
    /* fields: NUL-terminated copies of the 0x1f-separated pieces */
    char *buf = malloc(size + 1);
    const char *fields[MAX_FIELDS];
    size_t n = 0, at = 0;
    size_t start = 1;
    for (size_t i = 1; i <= size && n < MAX_FIELDS; i++) {
        if (i < size && data[i] != 0x1f)
            continue;
        size_t len = i - start;
        memcpy(buf + at, data + start, len);
        buf[at + len] = '\0';
        fields[n++] = len == 1 && buf[at] == 0x1e ? NULL : buf + at;
        at += len + 1;
        start = i + 1;
    }
    tabllm_table *t = NULL;
    if (n < n_cols)
        goto out;
    for (size_t j = 0; j < n_cols; j++)
        if (fields[j] == NULL)
            fields[j] = "";
    if (tabllm_table_new(fields, n_cols, &t) != TABLLM_OK)
        goto out;
    for (size_t r = n_cols; r + n_cols <= n; r += n_cols)
        if (tabllm_table_append_row(t, fields + r, n_cols) != TABLLM_OK)
            goto out;
    bool plain = names_plain(t);
    write_and_read(t, TABLLM_ENCODING_JSON, TABLLM_JSON_SPLIT, TABLLM_TABLE_FORMAT_JSON, true);
    if (plain && t->n_rows > 0) /* "[]" has no columns */
        write_and_read(t, TABLLM_ENCODING_JSON, TABLLM_JSON_RECORDS, TABLLM_TABLE_FORMAT_JSON,
                       true);
    if (!opens_with_bom(t))
        write_and_read(t, TABLLM_ENCODING_CSV, 0, TABLLM_TABLE_FORMAT_CSV, plain);
out:
    tabllm_table_free(t);
    free(buf);
    return 0;
}
