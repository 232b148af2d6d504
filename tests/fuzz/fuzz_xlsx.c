/* libFuzzer target: the XLSX reader and the SpreadsheetLLM encoders.
 *
 * The first byte picks what the rest is:
 *   'Z'  a whole .xlsx (zip) file, read as tabllm_table_load would;
 *   'P'  parts separated by "\n====\n" (a sheet, shared strings, styles,
 *        workbook), zipped here without compression so that mutations
 *        reach the XML and the values instead of breaking CRCs;
 *   'F'  a number format code, NUL, a number: compiled and rendered.
 * Whatever reads successfully is also encoded as sheet-vanilla and
 * sheet-compressed. Limits are small so a run stays fast. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/alloc.h"
#include "table/sheet/sheet_encode.h"
#include "table/xlsx/numfmt.h"
#include "table/xlsx/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml",
};

static const char root_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
static const char wb_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"styles.xml\"/></Relationships>";
static const char default_wb[] =
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";

/* Zips the parts (stored, not deflated); NULL if libzip fails. */
static unsigned char *make_zip(const char *text, size_t len, size_t *out_len)
{
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
    if (src == NULL)
        return NULL;
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
    unsigned char *buf = NULL;
    if (za == NULL)
        goto out;
    zip_file_add(za, "_rels/.rels", zip_source_buffer(za, root_rels, strlen(root_rels), 0), 0);
    zip_file_add(za, "xl/_rels/workbook.xml.rels",
                 zip_source_buffer(za, wb_rels, strlen(wb_rels), 0), 0);
    size_t part = 0, start = 0;
    bool have_wb = false;
    for (size_t i = 0; i <= len && part < 4; i++) {
        if (i == len || (i + 6 <= len && memcmp(text + i, "\n====\n", 6) == 0)) {
            zip_int64_t idx = zip_file_add(
                za, names[part], zip_source_buffer(za, text + start, i - start, 0), 0);
            if (idx >= 0)
                zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
            have_wb |= part == 3;
            part++;
            start = i + 6;
            i += 5;
        }
    }
    if (!have_wb)
        zip_file_add(za, names[3], zip_source_buffer(za, default_wb, strlen(default_wb), 0), 0);
    if (zip_close(za) != 0) {
        zip_discard(za);
        goto out;
    }
    zip_stat_t st;
    if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        buf = malloc(st.size ? st.size : 1);
        zip_int64_t got = buf ? zip_source_read(src, buf, st.size) : -1;
        zip_source_close(src);
        if (got < 0) {
            free(buf);
            buf = NULL;
        } else {
            *out_len = (size_t)got;
        }
    }
out:
    zip_source_free(src);
    zip_error_fini(&err);
    return buf;
}

static void encode_all(const tabllm_table *t)
{
    size_t *rows = malloc((t->n_rows + 1) * sizeof *rows);
    size_t *cols = malloc((t->n_cols + 1) * sizeof *cols);
    if (rows == NULL || cols == NULL)
        goto out;
    for (size_t i = 0; i < t->n_rows; i++)
        rows[i] = i;
    for (size_t i = 0; i < t->n_cols; i++)
        cols[i] = i;
    tl_view v = {t, rows, t->n_rows, cols, t->n_cols};
    tabllm_encode_params p = {.struct_size = sizeof p, .anchor_k = 2, .row = -1};
    for (uint32_t flags = 0; flags < 4; flags++) {
        p.flags = (flags & 1 ? TABLLM_ENCODE_SHEET_FORMATS : 0) |
                  (flags & 2 ? TABLLM_ENCODE_NO_INVERTED_INDEX : 0);
        tl_buf out = TL_BUF_INIT;
        tl_encode_sheet_compressed(&v, &p, &out);
        tl_buf_free(&out);
    }
    tl_buf out = TL_BUF_INIT;
    tl_encode_sheet_vanilla(&v, &p, &out);
    tl_buf_free(&out);
out:
    free(rows);
    free(cols);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char mode = (char)data[0];
    data++, size--;
    if (mode == 'F') {
        const char *nul = memchr(data, '\0', size);
        if (nul == NULL)
            return 0;
        char *code = tl_strndup((const char *)data, (size_t)(nul - (const char *)data));
        char *num = tl_strndup(nul + 1, size - (size_t)(nul + 1 - (const char *)data));
        tl_numfmt *f = code ? tl_numfmt_compile(code) : NULL;
        if (f && num) {
            tl_buf out = TL_BUF_INIT;
            double v = strtod(num, NULL);
            tl_numfmt_render_number(f, v, false, &out);
            tl_numfmt_render_number(f, -v, true, &out);
            tl_numfmt_render_text(f, num, strlen(num), &out);
            tl_numfmt_category(f, v);
            tl_buf_free(&out);
        }
        tl_numfmt_free(f);
        tl_free(code);
        tl_free(num);
        return 0;
    }
    unsigned char *zip = NULL;
    size_t zlen = size;
    if (mode == 'P') {
        zip = make_zip((const char *)data, size, &zlen);
        if (zip == NULL)
            return 0;
    } else if (mode != 'Z') {
        return 0;
    }
    const void *bytes = zip ? (const void *)zip : (const void *)data;
    const tl_xlsx_limits limits = {200, 4u << 20, 16u << 20, 48};
    tabllm_table_read_params p = {.struct_size = sizeof p, .max_input_bytes = 1u << 24,
                                  .max_cells = 1u << 16, .max_columns = 4096,
                                  .max_field_bytes = 1u << 16};
    tabllm_table *t;
    if (tl_xlsx_read_ex(bytes, zlen, &p, &limits, &t) == TABLLM_OK) {
        encode_all(t);
        tl_table_destroy(t);
    }
    char **sheets;
    size_t n;
    if (tl_xlsx_sheet_names(bytes, zlen, &limits, &sheets, &n) == TABLLM_OK)
        tl_free(sheets);
    free(zip);
    return 0;
}
