/* Agreement with openpyxl: for every workbook tests/conformance/xlsx/
 * generate.sh wrote (and every committed fixture), every non-empty cell of
 * every sheet must have the value, type and number format openpyxl reads,
 * and the merged ranges and date system must match. Skips (77) when the
 * reference data has not been generated. */
#include "test_util.h"

#include <jansson.h>
#include <math.h>

#include "base/alloc.h"
#include "base/json.h"
#include "base/file.h"
#include "table/sheet.h"
#include "table/xlsx/numfmt.h"
#include "table/xlsx/xlsx.h"

/* openpyxl 3.0.9 stores built-in format 44 without its section separators. */
#define OPENPYXL_44 "_(\"$\"* #,##0.00_)_(\"$\"* \\(#,##0.00\\)_(\"$\"* \"-\"??_)_(@_)"

static int failures;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            if (failures++ < 40)                                                             \
                print_message(__VA_ARGS__);                                                  \
        }                                                                                    \
    } while (0)

/* y m d H M S ms of a serial, as this library reads it. */
static void components(double v, bool date1904, int out[7])
{
    int64_t ms = llround(v * 86400000.0);
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) /* before the epoch (1904 system): floor division */
        days--, rem += 86400000;
    tl_civil c;
    tl_serial_to_civil(days, date1904, &c);
    out[0] = c.year, out[1] = c.month, out[2] = c.day;
    out[3] = (int)(rem / 3600000), out[4] = (int)(rem / 60000 % 60);
    out[5] = (int)(rem / 1000 % 60), out[6] = (int)(rem % 1000);
}

static void check_cell(const char *where, const tl_sheet *s, const json_t *e)
{
    const char *ref = json_string_value(json_object_get(e, "ref"));
    uint32_t row, col;
    assert_true(tl_sheet_parse_address(ref, strlen(ref), &row, &col));
    if (row < s->origin_row || col < s->origin_col || row - s->origin_row >= s->n_rows ||
        col - s->origin_col >= s->n_cols) {
        CHECK(0, "%s %s: outside the used range\n", where, ref);
        return;
    }
    const tl_sheet_cell *c = tl_sheet_at(s, row - s->origin_row, col - s->origin_col);
    const char *fmt = json_string_value(json_object_get(e, "format"));
    const char *mine = s->formats[c->format];
    CHECK(strcmp(fmt, mine) == 0 || (strcmp(fmt, OPENPYXL_44) == 0 &&
                                     strcmp(mine, tl_numfmt_builtin(44)) == 0),
          "%s %s: format [%s], openpyxl [%s]\n", where, ref, mine, fmt);
    const json_t *v;
    if ((v = json_object_get(e, "string"))) {
        const char *type = json_string_value(json_object_get(e, "type"));
        int kind = strcmp(type, "e") == 0 ? TL_SHEET_ERROR : TL_SHEET_STRING;
        CHECK(c->kind == kind && c->raw && strcmp(c->raw, json_string_value(v)) == 0,
              "%s %s: [%s] kind %d, openpyxl [%s] type %s\n", where, ref, c->raw ? c->raw : "",
              c->kind, json_string_value(v), type);
    } else if ((v = json_object_get(e, "bool"))) {
        CHECK(c->kind == TL_SHEET_BOOL && strcmp(c->raw, json_is_true(v) ? "TRUE" : "FALSE") == 0,
              "%s %s: bool %s\n", where, ref, c->raw ? c->raw : "(empty)");
    } else if ((v = json_object_get(e, "number"))) {
        CHECK(c->kind == TL_SHEET_NUMBER && c->number == json_real_value(v),
              "%s %s: %.17g kind %d, openpyxl %.17g\n", where, ref, c->number, c->kind,
              json_real_value(v));
    } else if ((v = json_object_get(e, "datetime")) || (v = json_object_get(e, "time"))) {
        bool is_time = json_object_get(e, "time") != NULL;
        int got[7];
        components(c->number, s->date1904, got);
        int want[7] = {0};
        for (size_t i = 0; i < json_array_size(v); i++)
            want[(is_time ? 3 : 0) + i] = (int)json_integer_value(json_array_get(v, i));
        bool same = c->kind == TL_SHEET_NUMBER || c->kind == TL_SHEET_ISODATE;
        for (int i = is_time ? 3 : 0; i < 7; i++)
            same = same && got[i] == want[i];
        CHECK(same, "%s %s: %04d-%02d-%02d %02d:%02d:%02d.%03d, openpyxl "
                    "%04d-%02d-%02d %02d:%02d:%02d.%03d\n",
              where, ref, got[0], got[1], got[2], got[3], got[4], got[5], got[6], want[0],
              want[1], want[2], want[3], want[4], want[5], want[6]);
    } else if ((v = json_object_get(e, "seconds"))) {
        CHECK(fabs(c->number * 86400.0 - json_real_value(v)) < 0.001,
              "%s %s: %.6f s, openpyxl %.6f s\n", where, ref, c->number * 86400.0,
              json_real_value(v));
    }
}

static void check_workbook(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    json_t *expected;
    assert_ok(tl_json_load_file(path, 64u << 20, 0, &expected));
    snprintf(path, sizeof path, "%s/%s.xlsx", dir, name);
    char *data;
    size_t len;
    assert_ok(tl_file_read(path, 64u << 20, &data, &len));
    bool date1904 = json_is_true(json_object_get(expected, "date1904"));
    const json_t *sheets = json_object_get(expected, "sheets");
    for (size_t i = 0; i < json_array_size(sheets); i++) {
        const json_t *sheet = json_array_get(sheets, i);
        tabllm_table_read_params p = {.struct_size = sizeof p, .flags = TABLLM_READ_NO_HEADER,
                                      .sheet_index = (int32_t)i, .max_input_bytes = 1u << 30,
                                      .max_cells = 1u << 26, .max_columns = 65536,
                                      .max_field_bytes = 1u << 24};
        tabllm_table *t;
        assert_ok(tl_xlsx_read(data, len, &p, &t));
        const tl_sheet *s = t->sheet;
        char where[600];
        snprintf(where, sizeof where, "%s/%s", name, s->name);
        CHECK(strcmp(s->name, json_string_value(json_object_get(sheet, "name"))) == 0,
              "%s: sheet name differs\n", where);
        CHECK(s->date1904 == date1904, "%s: date system differs\n", where);
        const json_t *cells = json_object_get(sheet, "cells");
        for (size_t k = 0; k < json_array_size(cells); k++)
            check_cell(where, s, json_array_get(cells, k));
        size_t mine = 0;
        for (size_t k = 0; k < s->n_rows * s->n_cols; k++)
            mine += s->cells[k].kind != TL_SHEET_EMPTY;
        CHECK(mine == json_array_size(cells), "%s: %zu non-empty cells, openpyxl %zu\n", where,
              mine, json_array_size(cells));
        const json_t *merged = json_object_get(sheet, "merged");
        CHECK(json_array_size(merged) == s->n_merged, "%s: %zu merged ranges, openpyxl %zu\n",
              where, s->n_merged, json_array_size(merged));
        for (size_t k = 0; k < json_array_size(merged); k++) {
            const char *r = json_string_value(json_array_get(merged, k));
            tl_sheet_range want;
            assert_true(tl_sheet_parse_range(r, strlen(r), &want));
            bool found = false;
            for (size_t m = 0; m < s->n_merged; m++)
                found |= memcmp(&s->merged[m], &want, sizeof want) == 0;
            CHECK(found, "%s: merged range %s missing\n", where, r);
        }
        print_message("%s: %zu cells agree\n", where, json_array_size(cells));
        tl_table_destroy(t);
    }
    tl_free(data);
    json_decref(expected);
}

static void test_openpyxl_agreement(void **state)
{
    (void)state;
    const char *root = getenv("TABLLM_CONFORMANCE_DATA");
    char dir[2048], list[4096];
    snprintf(dir, sizeof dir, "%s/xlsx", root ? root : ".");
    snprintf(list, sizeof list, "%s/workbooks.txt", dir);
    FILE *f = fopen(list, "r");
    if (f == NULL) {
        print_message("no reference data (%s): run tests/conformance/generate.sh\n", list);
        exit(77);
    }
    char name[256];
    int n = 0;
    while (fgets(name, sizeof name, f)) {
        name[strcspn(name, "\n")] = '\0';
        if (name[0]) {
            check_workbook(dir, name);
            n++;
        }
    }
    fclose(f);
    assert_true(n >= 5);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_openpyxl_agreement)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
