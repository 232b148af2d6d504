/* xl/styles.xml: number formats (custom <numFmt> and built-in ids) of the
 * cell formats (<cellXfs>) that cells point at with s="N". */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "table/xlsx/numfmt.h"
#include "table/xlsx/workbook.h"
#include "table/xlsx/xml.h"

typedef struct custom_fmt {
    uint32_t id;
    const char *code;
} custom_fmt;

static bool parse_u32(const char *s, uint32_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v > UINT32_MAX || s[0] == '-')
        return false;
    *out = (uint32_t)v;
    return true;
}

static tabllm_status code_index(xl_styles *st, size_t *cap, const char *code, const char *shown,
                                uint32_t *out)
{
    for (size_t i = 0; i < st->n_codes; i++)
        if (strcmp(st->codes[i], code) == 0 && strcmp(st->shown[i], shown) == 0) {
            *out = (uint32_t)i;
            return TABLLM_OK;
        }
    size_t cap2 = *cap;
    tabllm_status s = tl_grow_array((void **)&st->codes, cap, st->n_codes + 1, sizeof *st->codes,
                                    "number formats");
    if (s == TABLLM_OK)
        s = tl_grow_array((void **)&st->shown, &cap2, st->n_codes + 1, sizeof *st->shown,
                          "number formats");
    if (s != TABLLM_OK)
        return s;
    st->codes[st->n_codes] = code;
    st->shown[st->n_codes] = shown;
    *out = (uint32_t)st->n_codes++;
    return TABLLM_OK;
}

tabllm_status xl_styles_read(xl_workbook *wb, xl_styles *out)
{
    memset(out, 0, sizeof *out);
    size_t codes_cap = 0, xf_cap = 0, custom_cap = 0, n_custom = 0;
    custom_fmt *custom = NULL;
    uint32_t general;
    tabllm_status st = code_index(out, &codes_cap, "General", "General", &general);
    if (st != TABLLM_OK || wb->styles_part == NULL)
        return st;
    tl_xml x;
    if ((st = tl_xml_open(&x, wb->zip, wb->styles_part, &wb->limits)) != TABLLM_OK) {
        xl_styles_free(out);
        return st;
    }
    int in_xfs = -1; /* depth of <cellXfs> while inside it */
    int rc;
    while ((rc = tl_xml_next(&x)) == 1) {
        int type = tl_xml_type(&x);
        if (type == TL_XML_END_ELEMENT && tl_xml_depth(&x) == in_xfs) {
            in_xfs = -1;
            continue;
        }
        if (type != TL_XML_ELEMENT)
            continue;
        const char *name = tl_xml_local_name(&x);
        if (strcmp(name, "numFmt") == 0) {
            static const char *const names[] = {"numFmtId", "formatCode"};
            const char *v[2];
            uint32_t id;
            if ((st = tl_xml_attrs(&x, names, 2, v, NULL)) != TABLLM_OK)
                break;
            if (!parse_u32(v[0], &id) || v[1] == NULL) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT,
                                 "a <numFmt> needs a numFmtId number and a formatCode");
                break;
            }
            if ((st = tl_grow_array((void **)&custom, &custom_cap, n_custom + 1, sizeof *custom,
                                    "number formats")) != TABLLM_OK)
                break;
            const char *code = tl_arena_strndup(&wb->arena, v[1], strlen(v[1]));
            if (code == NULL) {
                st = TABLLM_ERR_OUT_OF_MEMORY;
                break;
            }
            custom[n_custom++] = (custom_fmt){id, code};
        } else if (strcmp(name, "cellXfs") == 0) {
            if (!tl_xml_is_empty(&x))
                in_xfs = tl_xml_depth(&x);
        } else if (strcmp(name, "xf") == 0 && in_xfs >= 0 && tl_xml_depth(&x) == in_xfs + 1) {
            static const char *const names[] = {"numFmtId"};
            const char *v[1];
            uint32_t id = 0;
            if ((st = tl_xml_attrs(&x, names, 1, v, NULL)) != TABLLM_OK)
                break;
            if (v[0] && !parse_u32(v[0], &id)) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "numFmtId=\"%s\" is not a number", v[0]);
                break;
            }
            /* A custom format with this id wins (ids below 164 may be
             * redefined); otherwise the built-in table; unknown ids show as
             * General, as in Excel's en-US locale and openpyxl. */
            const char *code = NULL, *shown = NULL;
            for (size_t i = n_custom; i-- > 0;)
                if (custom[i].id == id) {
                    code = shown = custom[i].code;
                    break;
                }
            if (code == NULL) {
                code = tl_numfmt_builtin(id);
                shown = tl_numfmt_builtin_shown(id);
            }
            if (code == NULL)
                code = shown = "General";
            uint32_t idx;
            if ((st = code_index(out, &codes_cap, code, shown, &idx)) != TABLLM_OK)
                break;
            if ((st = tl_grow_array((void **)&out->xf_format, &xf_cap, out->n_xfs + 1,
                                    sizeof *out->xf_format, "cell formats")) != TABLLM_OK)
                break;
            out->xf_format[out->n_xfs++] = idx;
        }
    }
    if (st == TABLLM_OK && rc < 0)
        st = x.status;
    tl_xml_close(&x);
    tl_free(custom);
    if (st != TABLLM_OK)
        xl_styles_free(out);
    return st;
}

void xl_styles_free(xl_styles *s)
{
    tl_free(s->xf_format);
    tl_free(s->codes);
    tl_free(s->shown);
    memset(s, 0, sizeof *s);
}
