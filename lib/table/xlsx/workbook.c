/* Finding a workbook's parts: relationships, workbook.xml, the sheet list. */
#include "table/xlsx/workbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "table/xlsx/xml.h"

typedef struct xl_rel {
    const char *id, *type, *target; /* type: the last segment of the Type URI */
} xl_rel;

typedef struct xl_rels {
    xl_rel *items;
    size_t n, cap;
} xl_rels;

/* "xl/worksheets/../styles.xml" -> "xl/styles.xml"; percent-escapes decoded. */
static char *resolve(tl_arena *a, const char *base_dir, const char *target)
{
    size_t cap = strlen(base_dir) + strlen(target) + 2;
    char *joined = tl_malloc(cap);
    if (joined == NULL)
        return NULL;
    if (target[0] == '/')
        snprintf(joined, cap, "%s", target + 1);
    else
        snprintf(joined, cap, "%s%s", base_dir, target);
    /* decode %XX */
    size_t w = 0;
    for (size_t r = 0; joined[r]; r++) {
        char c = joined[r];
        if (c == '%' && joined[r + 1] && joined[r + 2]) {
            char hex[3] = {joined[r + 1], joined[r + 2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end == '\0' && v > 0) {
                joined[w++] = (char)v;
                r += 2;
                continue;
            }
        }
        joined[w++] = c;
    }
    joined[w] = '\0';
    /* normalise . and .. segments */
    char *out = tl_arena_alloc(a, w + 1);
    if (out == NULL) {
        tl_free(joined);
        return NULL;
    }
    size_t o = 0;
    char *save = NULL;
    for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        if (o > 0)
            out[o++] = '/';
        size_t n = strlen(seg);
        memcpy(out + o, seg, n);
        o += n;
    }
    out[o] = '\0';
    tl_free(joined);
    return out;
}

static tabllm_status read_rels(xl_workbook *wb, const char *rels_part, const char *base_dir,
                               xl_rels *out)
{
    memset(out, 0, sizeof *out);
    tl_xml x;
    tabllm_status st = tl_xml_open(&x, wb->zip, rels_part, &wb->limits);
    if (st != TABLLM_OK)
        return st;
    int rc;
    while ((rc = tl_xml_next(&x)) == 1) {
        if (!tl_xml_is(&x, "Relationship"))
            continue;
        static const char *const names[] = {"Id", "Type", "Target", "TargetMode"};
        const char *v[4];
        if ((st = tl_xml_attrs(&x, names, 4, v, NULL)) != TABLLM_OK)
            break;
        if (v[0] == NULL || v[1] == NULL || v[2] == NULL) {
            st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "a Relationship lacks Id, Type or Target");
            break;
        }
        if (v[3] && strcmp(v[3], "External") == 0)
            continue;
        if ((st = tl_grow_array((void **)&out->items, &out->cap, out->n + 1, sizeof *out->items,
                                "relationships")) != TABLLM_OK)
            break;
        const char *slash = strrchr(v[1], '/');
        xl_rel *r = &out->items[out->n];
        r->id = tl_arena_strndup(&wb->arena, v[0], strlen(v[0]));
        r->type = tl_arena_strndup(&wb->arena, slash ? slash + 1 : v[1],
                                   strlen(slash ? slash + 1 : v[1]));
        r->target = resolve(&wb->arena, base_dir, v[2]);
        if (!r->id || !r->type || !r->target) {
            st = TABLLM_ERR_OUT_OF_MEMORY;
            break;
        }
        out->n++;
    }
    if (st == TABLLM_OK && rc < 0)
        st = x.status;
    tl_xml_close(&x);
    if (st != TABLLM_OK) {
        tl_free(out->items);
        out->items = NULL;
    }
    return st;
}

static const xl_rel *find_type(const xl_rels *rels, const char *type)
{
    for (size_t i = 0; i < rels->n; i++)
        if (strcmp(rels->items[i].type, type) == 0)
            return &rels->items[i];
    return NULL;
}

static const xl_rel *find_id(const xl_rels *rels, const char *id)
{
    for (size_t i = 0; i < rels->n; i++)
        if (strcmp(rels->items[i].id, id) == 0)
            return &rels->items[i];
    return NULL;
}

/* workbook.xml: the date system and the sheet list (names + r:id). */
static tabllm_status read_workbook(xl_workbook *wb, const xl_rels *rels)
{
    tl_xml x;
    tabllm_status st = tl_xml_open(&x, wb->zip, wb->workbook_part, &wb->limits);
    if (st != TABLLM_OK)
        return st;
    size_t cap = 0;
    int rc;
    while ((rc = tl_xml_next(&x)) == 1) {
        if (tl_xml_is(&x, "workbookPr")) {
            static const char *const names[] = {"date1904"};
            const char *v[1];
            if ((st = tl_xml_attrs(&x, names, 1, v, NULL)) != TABLLM_OK)
                break;
            wb->date1904 = v[0] && (strcmp(v[0], "1") == 0 || strcasecmp(v[0], "true") == 0);
        } else if (tl_xml_is(&x, "sheet")) {
            static const char *const names[] = {"name"};
            static const char *const rid_name[] = {"id"};
            const char *v[1], *rid[1];
            if ((st = tl_xml_attrs(&x, names, 1, v, NULL)) != TABLLM_OK)
                break;
            const char *name = v[0] ? tl_arena_strndup(&wb->arena, v[0], strlen(v[0])) : NULL;
            if ((st = tl_xml_attrs(&x, rid_name, 1, rid, "relationships")) != TABLLM_OK)
                break;
            if (name == NULL || rid[0] == NULL) {
                st = tl_xml_fail(&x, TABLLM_ERR_FORMAT, "a <sheet> lacks its name or r:id");
                break;
            }
            if ((st = tl_grow_array((void **)&wb->sheets, &cap, wb->n_sheets + 1,
                                    sizeof *wb->sheets, "the sheet list")) != TABLLM_OK)
                break;
            const xl_rel *r = find_id(rels, rid[0]);
            xl_sheet_ref *s = &wb->sheets[wb->n_sheets++];
            s->name = name;
            s->part = r ? r->target : NULL;
            s->type = !r                                     ? XL_OTHER_SHEET
                      : strcmp(r->type, "worksheet") == 0    ? XL_WORKSHEET
                      : strcmp(r->type, "chartsheet") == 0   ? XL_CHARTSHEET
                                                             : XL_OTHER_SHEET;
        }
    }
    if (st == TABLLM_OK && rc < 0)
        st = x.status;
    tl_xml_close(&x);
    return st;
}

/* The folder of a part, with its trailing slash ("xl/"). */
static char *dir_of(tl_arena *a, const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t n = slash ? (size_t)(slash - part) + 1 : 0;
    return tl_arena_strndup(a, part, n);
}

/* The .rels part of a part: "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels". */
static char *rels_of(tl_arena *a, const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t dir = slash ? (size_t)(slash - part) + 1 : 0;
    size_t len = strlen(part) + 12;
    char *out = tl_arena_alloc(a, len);
    if (out)
        snprintf(out, len, "%.*s_rels/%s.rels", (int)dir, part, part + dir);
    return out;
}

tabllm_status xl_workbook_open(const void *data, size_t size, const tl_xlsx_limits *limits,
                               xl_workbook *wb)
{
    memset(wb, 0, sizeof *wb);
    wb->limits = *limits;
    tabllm_status st = tl_zip_open(data, size, limits, &wb->zip);
    if (st != TABLLM_OK)
        return st;
    xl_rels root = {0}, rels = {0};
    /* The package relationships name the main part; without them, the
     * conventional name is tried (some writers omit nothing else). */
    if (tl_zip_has(wb->zip, "_rels/.rels")) {
        if ((st = read_rels(wb, "_rels/.rels", "", &root)) != TABLLM_OK)
            goto done;
        const xl_rel *main = find_type(&root, "officeDocument");
        wb->workbook_part = main ? main->target : NULL;
    }
    if (wb->workbook_part == NULL)
        wb->workbook_part = "xl/workbook.xml";
    if (!tl_zip_has(wb->zip, wb->workbook_part)) {
        st = tl_error(TABLLM_ERR_FORMAT, "missing part %s (not an .xlsx workbook?)",
                      wb->workbook_part);
        goto done;
    }
    char *wb_rels = rels_of(&wb->arena, wb->workbook_part);
    char *wb_dir = dir_of(&wb->arena, wb->workbook_part);
    if (wb_rels == NULL || wb_dir == NULL) {
        st = TABLLM_ERR_OUT_OF_MEMORY;
        goto done;
    }
    if ((st = read_rels(wb, wb_rels, wb_dir, &rels)) != TABLLM_OK)
        goto done;
    const xl_rel *r = find_type(&rels, "sharedStrings");
    wb->strings_part = r && tl_zip_has(wb->zip, r->target) ? r->target : NULL;
    r = find_type(&rels, "styles");
    wb->styles_part = r && tl_zip_has(wb->zip, r->target) ? r->target : NULL;
    st = read_workbook(wb, &rels);
done:
    tl_free(root.items);
    tl_free(rels.items);
    if (st != TABLLM_OK)
        xl_workbook_close(wb);
    return st;
}

void xl_workbook_close(xl_workbook *wb)
{
    tl_zip_close(wb->zip);
    wb->zip = NULL;
    tl_free(wb->sheets);
    wb->sheets = NULL;
    tl_arena_free(&wb->arena);
}
