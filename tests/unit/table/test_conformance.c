/* Agreement with Python's csv module and pandas.read_html, cell for cell, on
 * every file tests/conformance/tables/generate.sh prepared (real CSVs and
 * HTML pages from the system, and generated nasty ones). Also checks the CSV
 * writer against Python's csv.writer and the JSON writer's output against
 * jansson. Exits 77 (skipped) when the reference data has not been made. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "tabllm.h"
#include "table/table.h"

static size_t failures, checks;

#define MAX_REPORTS 40

static void report(const char *path, const char *fmt, ...) TL_PRINTF(2, 3);
static void report(const char *path, const char *fmt, ...)
{
    failures++;
    if (failures > MAX_REPORTS)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "MISMATCH %s: ", path);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static tabllm_status load(const char *path, uint32_t format, uint32_t delimiter, uint32_t flags,
                          uint32_t policy, uint32_t index, tabllm_table **t)
{
    tabllm_table_read_params p;
    tabllm_table_read_params_init(&p, sizeof p);
    p.format = format;
    p.delimiter = delimiter;
    p.flags = flags;
    p.ragged_policy = policy;
    p.table_index = index;
    return tabllm_table_load(path, &p, t);
}

static const char *status_name(const char *name, tabllm_status *st)
{
    static const struct {
        const char *name;
        tabllm_status st;
    } names[] = {{"FORMAT", TABLLM_ERR_FORMAT},
                 {"INVALID_UTF8", TABLLM_ERR_INVALID_UTF8},
                 {"NOT_FOUND", TABLLM_ERR_NOT_FOUND}};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(names[i].name, name) == 0) {
            *st = names[i].st;
            return name;
        }
    *st = TABLLM_ERR_INTERNAL;
    return name;
}

static void expect_error(const char *path, const json_t *c, uint32_t format, uint32_t delim)
{
    tabllm_status want;
    status_name(json_string_value(json_object_get(c, "error")), &want);
    const char *fragment = json_string_value(json_object_get(c, "message"));
    tabllm_table *t = NULL;
    tabllm_status st = load(path, format, delim, TABLLM_READ_NO_HEADER, TABLLM_RAGGED_PAD, 0, &t);
    checks++;
    if (st != want || strstr(tabllm_last_error(), fragment) == NULL)
        report(path, "expected %s with \"%s\", got %s: %s", tabllm_status_string(want), fragment,
               tabllm_status_string(st), st ? tabllm_last_error() : "success");
    tabllm_table_free(t);
}

/* Compares names (NULL: numbered) and rows (an array of arrays of strings). */
static void compare(const char *path, const char *what, const tabllm_table *t,
                    const json_t *names, const json_t *rows, size_t first_row)
{
    size_t n_rows = json_array_size(rows) - first_row;
    const json_t *row0 = json_array_get(rows, first_row);
    size_t n_cols = names ? json_array_size(names)
                          : (row0 ? json_array_size(row0) : tabllm_table_n_columns(t));
    checks++;
    if (tabllm_table_n_rows(t) != n_rows || tabllm_table_n_columns(t) != n_cols) {
        report(path, "%s: %zu x %zu cells, expected %zu x %zu", what, tabllm_table_n_rows(t),
               tabllm_table_n_columns(t), n_rows, n_cols);
        return;
    }
    for (size_t c = 0; c < n_cols; c++) {
        char numbered[24];
        snprintf(numbered, sizeof numbered, "%zu", c);
        const char *want = names ? json_string_value(json_array_get(names, c)) : numbered;
        if (strcmp(tabllm_table_column_name(t, c), want) != 0) {
            report(path, "%s: column %zu is named \"%s\", expected \"%s\"", what, c,
                   tabllm_table_column_name(t, c), want);
            return;
        }
    }
    for (size_t r = 0; r < n_rows; r++) {
        const json_t *row = json_array_get(rows, first_row + r);
        for (size_t c = 0; c < n_cols; c++) {
            const json_t *cell = json_array_get(row, c);
            size_t len;
            const char *got = tabllm_table_cell(t, r, c, &len, NULL);
            if (len != json_string_length(cell) ||
                memcmp(got, json_string_value(cell), len) != 0) {
                report(path, "%s: cell (%zu,%zu) is \"%s\", expected \"%s\"", what, r, c, got,
                       json_string_value(cell));
                return;
            }
        }
    }
}

static char *encode(const tabllm_table *t, tabllm_encoding e, uint32_t orient, uint32_t flags)
{
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = e;
    p.json_orient = orient;
    p.flags = flags;
    char *out = NULL;
    if (tabllm_table_encode(t, &p, &out, NULL) != TABLLM_OK)
        return NULL;
    return out;
}

/* The JSON writer's output, read back by jansson: strings equal the cells,
 * numbers are the cells' values. */
static void check_json(const char *path, const tabllm_table *t)
{
    char *text = encode(t, TABLLM_ENCODING_JSON, TABLLM_JSON_SPLIT, 0);
    checks++;
    if (text == NULL) {
        report(path, "JSON encoding failed: %s", tabllm_last_error());
        return;
    }
    json_error_t err;
    json_t *root = json_loads(text, JSON_DECODE_INT_AS_REAL, &err);
    if (root == NULL) {
        if (strstr(err.text, "overflow") == NULL) /* 1e400: valid JSON jansson refuses */
            report(path, "the JSON output does not parse: %s", err.text);
        tabllm_free(text);
        return;
    }
    const json_t *data = json_object_get(root, "data");
    for (size_t r = 0; r < tabllm_table_n_rows(t); r++) {
        for (size_t c = 0; c < tabllm_table_n_columns(t); c++) {
            const json_t *v = json_array_get(json_array_get(data, r), c);
            const tl_cell *cell = tl_table_cell(t, r, c);
            bool ok;
            if (json_is_string(v))
                ok = strcmp(json_string_value(v), cell->text) == 0;
            else if (json_is_real(v))
                ok = (cell->type == TL_CELL_INT && json_real_value(v) == (double)cell->value.i) ||
                     (cell->type == TL_CELL_FLOAT && json_real_value(v) == cell->value.f);
            else if (json_is_boolean(v))
                ok = cell->type == TL_CELL_BOOL && json_is_true(v) == cell->value.b;
            else
                ok = json_is_null(v) && cell->type == TL_CELL_NULL;
            if (!ok) {
                report(path, "JSON cell (%zu,%zu) does not read back as \"%s\"", r, c,
                       cell->text);
                r = SIZE_MAX - 1;
                break;
            }
        }
    }
    json_decref(root);
    tabllm_free(text);
}

static void check_csv(const json_t *c)
{
    const char *path = json_string_value(json_object_get(c, "path"));
    const char *delim_text = json_string_value(json_object_get(c, "delimiter"));
    uint32_t delim = (unsigned char)delim_text[0];
    if (json_object_get(c, "error")) {
        expect_error(path, c, TABLLM_TABLE_FORMAT_CSV, delim);
        return;
    }
    const json_t *rows = json_object_get(c, "rows");
    tabllm_table *t = NULL;
    tabllm_status st = load(path, TABLLM_TABLE_FORMAT_CSV, delim, TABLLM_READ_NO_HEADER,
                            TABLLM_RAGGED_PAD, 0, &t);
    checks++;
    if (st != TABLLM_OK) {
        report(path, "reading failed: %s", tabllm_last_error());
        return;
    }
    compare(path, "all rows", t, NULL, rows, 0);

    if (delim == ',' || delim == '\t') {
        char *out = encode(t, delim == ',' ? TABLLM_ENCODING_CSV : TABLLM_ENCODING_TSV, 0,
                           TABLLM_ENCODE_NO_HEADER);
        const char *want = json_string_value(json_object_get(c, "csv_out"));
        checks++;
        if (out == NULL || strcmp(out, want) != 0)
            report(path, "the CSV writer differs from Python's csv.writer");
        tabllm_free(out);
    }
    check_json(path, t);
    tabllm_table_free(t);

    /* the default reading: a header, pandas' ragged policy */
    const json_t *bad_line = json_object_get(c, "header_error_line");
    st = load(path, TABLLM_TABLE_FORMAT_CSV, delim, 0, TABLLM_RAGGED_PANDAS, 0, &t);
    checks++;
    if (bad_line) {
        char fragment[64];
        snprintf(fragment, sizeof fragment, ":%lld:1: row has",
                 (long long)json_integer_value(bad_line));
        if (st != TABLLM_ERR_TABLE_SHAPE || strstr(tabllm_last_error(), fragment) == NULL)
            report(path, "expected a ragged-row error with \"%s\", got: %s", fragment,
                   st ? tabllm_last_error() : "success");
    } else if (st != TABLLM_OK) {
        report(path, "reading with a header failed: %s", tabllm_last_error());
    } else {
        compare(path, "with a header", t, json_array_get(rows, 0), rows, 1);
    }
    tabllm_table_free(t);
    t = NULL;

    if (json_is_true(json_object_get(c, "sniff"))) {
        st = load(path, TABLLM_TABLE_FORMAT_AUTO, 0, TABLLM_READ_NO_HEADER, TABLLM_RAGGED_PAD, 0,
                  &t);
        checks++;
        if (st != TABLLM_OK)
            report(path, "sniffed reading failed: %s", tabllm_last_error());
        else
            compare(path, "sniffed delimiter", t, NULL, rows, 0);
        tabllm_table_free(t);
    }
}

static void check_html(const json_t *c)
{
    const char *path = json_string_value(json_object_get(c, "path"));
    if (json_object_get(c, "skip"))
        return;
    if (json_object_get(c, "error")) {
        expect_error(path, c, TABLLM_TABLE_FORMAT_HTML, 0);
        return;
    }
    const json_t *tables = json_object_get(c, "tables");
    size_t n = json_array_size(tables);
    for (size_t i = 0; i < n; i++) {
        const json_t *want = json_array_get(tables, i);
        if (json_object_get(want, "unchecked"))
            continue;
        tabllm_table *t = NULL;
        tabllm_status st = load(path, TABLLM_TABLE_FORMAT_HTML, 0, 0, 0, (uint32_t)i, &t);
        checks++;
        char what[32];
        snprintf(what, sizeof what, "table %zu", i);
        if (st != TABLLM_OK) {
            report(path, "%s: reading failed: %s", what, tabllm_last_error());
        } else if (!json_object_get(want, "nested")) {
            const json_t *names = json_object_get(want, "names");
            compare(path, what, t, json_is_null(names) ? NULL : names,
                    json_object_get(want, "rows"), 0);
        }
        tabllm_table_free(t);
    }
    tabllm_table *t = NULL;
    tabllm_status st = load(path, TABLLM_TABLE_FORMAT_HTML, 0, 0, 0, (uint32_t)n, &t);
    checks++;
    if (st != TABLLM_ERR_NOT_FOUND)
        report(path, "pandas finds %zu tables; reading table %zu gave %s", n, n,
               st ? tabllm_last_error() : "a table");
    tabllm_table_free(t);
}

int main(void)
{
    const char *dir = getenv("TABLLM_CONFORMANCE_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/tables/manifest.json", dir ? dir : ".");
    json_t *manifest;
    if (tl_json_load_file(path, 1u << 30, 0, &manifest) != TABLLM_OK) {
        printf("skipped: no reference data (%s); run tests/conformance/generate.sh\n", path);
        return 77;
    }
    const json_t *cases = json_object_get(manifest, "cases");
    size_t n_csv = 0, n_html = 0;
    for (size_t i = 0; i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);
        if (strcmp(json_string_value(json_object_get(c, "kind")), "csv") == 0) {
            check_csv(c);
            n_csv++;
        } else {
            check_html(c);
            n_html++;
        }
    }
    json_decref(manifest);
    printf("%zu CSV files, %zu HTML pages, %zu checks, %zu mismatches\n", n_csv, n_html, checks,
           failures);
    return failures ? 1 : 0;
}
