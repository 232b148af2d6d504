/* tl_xlsx_read: workbook -> chosen sheet -> table. */
#include "table/xlsx/xlsx.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/params.h"
#include "table/xlsx/worksheet.h"

/* "'Sales', 'Data' and 'Chart'" for messages. */
static void list_names(const xl_workbook *wb, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < wb->n_sheets && n + 8 < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s'%s'", i == 0 ? "" : ", ", wb->sheets[i].name);
        if (w < 0)
            break;
        n += (size_t)w < cap - n ? (size_t)w : cap - n - 1;
    }
}

static tabllm_status pick_sheet(const xl_workbook *wb, const tabllm_table_read_params *p,
                                const xl_sheet_ref **out)
{
    char names[300];
    list_names(wb, names, sizeof names);
    if (p->sheet_name != NULL) {
        for (size_t i = 0; i < wb->n_sheets; i++)
            if (strcmp(wb->sheets[i].name, p->sheet_name) == 0) {
                *out = &wb->sheets[i];
                return TABLLM_OK;
            }
        /* Excel's sheet names are unique regardless of case. */
        for (size_t i = 0; i < wb->n_sheets; i++)
            if (strcasecmp(wb->sheets[i].name, p->sheet_name) == 0) {
                *out = &wb->sheets[i];
                return TABLLM_OK;
            }
        return tl_error(TABLLM_ERR_NOT_FOUND, "no sheet named '%s'; the workbook has %s",
                        p->sheet_name, wb->n_sheets ? names : "no sheets");
    }
    if (p->sheet_index < 0 || (size_t)p->sheet_index >= wb->n_sheets)
        return tl_error(TABLLM_ERR_NOT_FOUND,
                        "no sheet at index %d; the workbook has %zu sheet%s (%s)", p->sheet_index,
                        wb->n_sheets, wb->n_sheets == 1 ? "" : "s", names);
    *out = &wb->sheets[p->sheet_index];
    return TABLLM_OK;
}

tabllm_status tl_xlsx_read_ex(const void *data, size_t size,
                              const tabllm_table_read_params *params,
                              const tl_xlsx_limits *limits, tabllm_table **out)
{
    *out = NULL;
    tabllm_table_read_params p;
    tabllm_status st = tabllm_table_read_params_init(&p, sizeof p);
    if (st == TABLLM_OK)
        st = tl_params_read(&p, sizeof p, params, "tabllm_table_read_params");
    if (st != TABLLM_OK)
        return st;
    if (size > p.max_input_bytes)
        return tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                        "the workbook is %zu bytes, more than the %llu allowed", size,
                        (unsigned long long)p.max_input_bytes);
    xl_workbook wb;
    if ((st = xl_workbook_open(data, size, limits, &wb)) != TABLLM_OK)
        return st;
    const xl_sheet_ref *sheet = NULL;
    xl_strings strings = {0};
    xl_styles styles = {0};
    xl_sheet_data d = {0};
    if ((st = pick_sheet(&wb, &p, &sheet)) != TABLLM_OK)
        goto done;
    if (sheet->type != XL_WORKSHEET || sheet->part == NULL) {
        st = tl_error(TABLLM_ERR_UNSUPPORTED, "sheet '%s' is a %s, not a worksheet with cells",
                      sheet->name,
                      sheet->type == XL_CHARTSHEET ? "chartsheet" : "sheet of another kind");
        goto done;
    }
    size_t max_field = p.max_field_bytes > UINT32_MAX ? UINT32_MAX : (size_t)p.max_field_bytes;
    if ((st = xl_strings_read(&wb, max_field, &strings)) != TABLLM_OK ||
        (st = xl_styles_read(&wb, &styles)) != TABLLM_OK)
        goto done;
    xl_sheet_ctx ctx = {
        .strings = &strings,
        .styles = &styles,
        .date1904 = wb.date1904,
        .max_cells = p.max_cells > SIZE_MAX ? SIZE_MAX : (size_t)p.max_cells,
        .max_field_bytes = max_field,
    };
    if ((st = xl_sheet_read(&wb, sheet->part, &ctx, &d)) != TABLLM_OK)
        goto done;
    st = xl_sheet_to_table(&wb, sheet->name, &d, &styles, &p, out);
done:
    xl_sheet_data_free(&d);
    xl_styles_free(&styles);
    xl_strings_free(&strings);
    xl_workbook_close(&wb);
    return st;
}

tabllm_status tl_xlsx_read(const void *data, size_t size, const tabllm_table_read_params *params,
                           tabllm_table **out)
{
    tl_xlsx_limits limits = TL_XLSX_LIMITS_DEFAULT;
    tabllm_table_read_params p;
    tabllm_status st = tabllm_table_read_params_init(&p, sizeof p);
    if (st == TABLLM_OK)
        st = tl_params_read(&p, sizeof p, params, "tabllm_table_read_params");
    if (st != TABLLM_OK)
        return st;
    if (p.max_inflated_bytes != 0) { /* 0: the default, for callers that fill the struct
                                        themselves from an older header */
        limits.max_total_bytes = p.max_inflated_bytes;
        limits.max_part_bytes = p.max_inflated_bytes / 2 ? p.max_inflated_bytes / 2 : 1;
    }
    return tl_xlsx_read_ex(data, size, params, &limits, out);
}

tabllm_status tl_xlsx_sheet_names(const void *data, size_t size, const tl_xlsx_limits *limits,
                                  char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    xl_workbook wb;
    tabllm_status st = xl_workbook_open(data, size, limits, &wb);
    if (st != TABLLM_OK)
        return st;
    size_t bytes = (wb.n_sheets + 1) * sizeof(char *);
    for (size_t i = 0; i < wb.n_sheets; i++)
        bytes += strlen(wb.sheets[i].name) + 1;
    char **out = tl_malloc(bytes);
    if (out == NULL) {
        xl_workbook_close(&wb);
        return tl_error_oom("the sheet names");
    }
    char *s = (char *)(out + wb.n_sheets + 1);
    for (size_t i = 0; i < wb.n_sheets; i++) {
        size_t len = strlen(wb.sheets[i].name) + 1;
        memcpy(s, wb.sheets[i].name, len);
        out[i] = s;
        s += len;
    }
    out[wb.n_sheets] = NULL;
    *names = out;
    *n = wb.n_sheets;
    xl_workbook_close(&wb);
    return TABLLM_OK;
}

TABLLM_API tabllm_status tabllm_table_sheet_names(const char *path, char ***names,
                                                  size_t *n_names)
{
    if (names == NULL || n_names == NULL || path == NULL) {
        if (names)
            *names = NULL;
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_table_sheet_names: NULL argument");
    }
    *names = NULL;
    *n_names = 0;
    tl_mapped_file file;
    tabllm_status st = tl_file_map(path, &file);
    if (st != TABLLM_OK)
        return st;
    const tl_xlsx_limits limits = TL_XLSX_LIMITS_DEFAULT;
    st = tl_xlsx_sheet_names(file.data, file.size, &limits, names, n_names);
    tl_file_unmap(&file);
    if (st != TABLLM_OK)
        tl_error_prefix("%s", path);
    return st;
}
