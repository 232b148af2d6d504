/* The SpreadsheetLLM encodings: vanilla and SheetCompressor.
 *
 * What comes from where (docs/spreadsheets.md has the long form):
 *  - vanilla "A1,Year|B1,Revenue", rows on lines: the paper's vanilla
 *    prompt (appendix L.1) and both reimplementations; the paper defines it
 *    as "|Address, Value, Format|", so TABLLM_ENCODE_SHEET_FORMATS adds the
 *    number format as a third field;
 *  - tuples "(content|A1:B3)", empty cells left out, type tokens IntNum,
 *    DateData, EmailData, ScientificNum, number format strings as content:
 *    the paper's prompts (appendix L.2/L.3);
 *  - value -> address ranges (inverted index, section 3.3), cells of one
 *    format type aggregated into regions (section 3.4, algorithm M.1);
 *    rectangles are grown greedily (row-major, right then down) so every
 *    range covers exactly the cells it names, as in kingkillery's
 *    reimplementation, where the paper's DFS takes a component's bounding
 *    box. */
#include "table/sheet/sheet_encode.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "table/sheet/grid.h"

/* --- vanilla -------------------------------------------------------------- */

static void vanilla_lines(const tl_grid *g, const bool *keep_rows, const bool *keep_cols,
                          const char *const *tokens, bool formats, tl_buf *out)
{
    for (size_t r = 0; r < g->n_rows; r++) {
        if (keep_rows && !keep_rows[r])
            continue;
        bool first = true;
        for (size_t c = 0; c < g->n_cols; c++) {
            if (keep_cols && !keep_cols[c])
                continue;
            const tl_grid_cell *cell = tl_grid_at(g, r, c);
            if (!first)
                tl_buf_putc(out, '|');
            first = false;
            char a[16];
            tl_buf_append(out, a, tl_sheet_address(g->row_addr[r], g->col_addr[c], a));
            tl_buf_putc(out, ',');
            const char *token = tokens ? tokens[r * g->n_cols + c] : NULL;
            if (token) {
                tl_buf_puts(out, token);
            } else if (!cell->covered) {
                tl_grid_put_text(cell->text, cell->len, out);
                if (formats && cell->format) {
                    tl_buf_putc(out, ',');
                    tl_buf_puts(out, cell->format);
                }
            }
        }
        tl_buf_putc(out, '\n');
    }
}

tabllm_status tl_encode_sheet_vanilla(const tl_view *view, const tabllm_encode_params *params,
                                      tl_buf *out)
{
    tl_grid g;
    tabllm_status st = tl_grid_from_view(view, params, &g);
    if (st != TABLLM_OK)
        return st;
    vanilla_lines(&g, NULL, NULL, NULL, params->flags & TABLLM_ENCODE_SHEET_FORMATS, out);
    tl_grid_free(&g);
    return tl_buf_status(out);
}

/* --- SheetCompressor -------------------------------------------------------- */

/* Module 3's type tokens. The paper names IntNum, FloatNum, DateData,
 * EmailData and ScientificNum; PercentageNum, CurrencyData and TimeData
 * follow the same pattern; date-times are DateData. */
static const char *type_token(int category)
{
    switch (category) {
    case TL_CAT_INTEGER: return "IntNum";
    case TL_CAT_DECIMAL: return "FloatNum";
    case TL_CAT_PERCENTAGE: return "PercentageNum";
    case TL_CAT_CURRENCY: return "CurrencyData";
    case TL_CAT_SCIENTIFIC: return "ScientificNum";
    case TL_CAT_DATE:
    case TL_CAT_DATETIME: return "DateData";
    case TL_CAT_TIME: return "TimeData";
    case TL_CAT_EMAIL: return "EmailData";
    default: return NULL; /* text, booleans, errors keep their values */
    }
}

typedef struct region {
    const char *content;
    size_t len;
    size_t r0, c0, r1, c1; /* grid coordinates, inclusive */
    size_t seq;            /* discovery order: row-major by top-left */
    bool merged;           /* a merged range: its own address */
} region;

typedef struct compressor {
    const tl_grid *g;
    const bool *keep_rows, *keep_cols;
    const char **tokens; /* per cell: the aggregation token, or NULL */
    bool *done;
    region *regions;
    size_t n_regions, cap;
} compressor;

static bool live(const compressor *k, size_t r, size_t c)
{
    const tl_grid_cell *cell = tl_grid_at(k->g, r, c);
    return (!k->keep_rows || k->keep_rows[r]) && (!k->keep_cols || k->keep_cols[c]) &&
           !cell->covered && cell->category != TL_CAT_EMPTY && cell->len > 0;
}

static void content_of(const compressor *k, size_t r, size_t c, const char **s, size_t *len)
{
    const char *token = k->tokens ? k->tokens[r * k->g->n_cols + c] : NULL;
    if (token) {
        *s = token;
        *len = strlen(token);
    } else {
        const tl_grid_cell *cell = tl_grid_at(k->g, r, c);
        *s = cell->text;
        *len = cell->len;
    }
}

/* Can (r, c) join a region of this content? Regions never span a row or
 * column that was dropped or that is not next to its neighbour on the
 * sheet, so a range names only cells that hold its content. */
static bool joins(const compressor *k, size_t r, size_t c, const char *s, size_t len)
{
    if (k->done[r * k->g->n_cols + c] || !live(k, r, c) || tl_grid_at(k->g, r, c)->merge >= 0)
        return false;
    const char *t;
    size_t tl;
    content_of(k, r, c, &t, &tl);
    return tl == len && memcmp(t, s, len) == 0;
}

/* The next grid line after i if it is kept and is the next line on the
 * sheet too, else SIZE_MAX. */
static size_t next_line(const uint32_t *addr, const bool *keep, size_t i, size_t n)
{
    if (i + 1 >= n || (keep && !keep[i + 1]) || addr[i + 1] != addr[i] + 1)
        return SIZE_MAX;
    return i + 1;
}

static tabllm_status find_regions(compressor *k)
{
    const tl_grid *g = k->g;
    for (size_t r = 0; r < g->n_rows; r++) {
        for (size_t c = 0; c < g->n_cols; c++) {
            if (k->done[r * g->n_cols + c] || !live(k, r, c))
                continue;
            region reg = {.r0 = r, .c0 = c, .r1 = r, .c1 = c, .seq = k->n_regions};
            content_of(k, r, c, &reg.content, &reg.len);
            reg.merged = tl_grid_at(g, r, c)->merge >= 0;
            if (!reg.merged) {
                /* right, then down while the whole row span matches */
                size_t nc;
                while ((nc = next_line(g->col_addr, k->keep_cols, reg.c1, g->n_cols)) !=
                           SIZE_MAX &&
                       joins(k, r, nc, reg.content, reg.len))
                    reg.c1 = nc;
                size_t nr;
                while ((nr = next_line(g->row_addr, k->keep_rows, reg.r1, g->n_rows)) !=
                       SIZE_MAX) {
                    bool all = true;
                    for (size_t x = reg.c0; all && x <= reg.c1; x++)
                        all = (k->keep_cols == NULL || k->keep_cols[x]) &&
                              joins(k, nr, x, reg.content, reg.len);
                    if (!all)
                        break;
                    reg.r1 = nr;
                }
            }
            for (size_t y = reg.r0; y <= reg.r1; y++)
                for (size_t x = reg.c0; x <= reg.c1; x++)
                    k->done[y * g->n_cols + x] = true;
            tabllm_status st = tl_grow_array((void **)&k->regions, &k->cap, k->n_regions + 1,
                                             sizeof *k->regions, "SheetCompressor regions");
            if (st != TABLLM_OK)
                return st;
            k->regions[k->n_regions++] = reg;
        }
    }
    return TABLLM_OK;
}

static void put_range(const compressor *k, const region *reg, tl_buf *out)
{
    const tl_grid *g = k->g;
    if (reg->merged || (reg->r0 == reg->r1 && reg->c0 == reg->c1)) {
        tl_grid_put_address(g, reg->r0, reg->c0, out);
        return;
    }
    char a[16];
    tl_buf_append(out, a, tl_sheet_address(g->row_addr[reg->r0], g->col_addr[reg->c0], a));
    tl_buf_putc(out, ':');
    tl_buf_append(out, a, tl_sheet_address(g->row_addr[reg->r1], g->col_addr[reg->c1], a));
}

static int by_content(const void *pa, const void *pb)
{
    const region *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->content, b->content, n);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_first_seq(const void *pa, const void *pb)
{
    const size_t *a = pa, *b = pb; /* pairs: (first seq, start index) */
    return a[0] < b[0] ? -1 : a[0] > b[0];
}

static bool same_content(const region *a, const region *b)
{
    return a->len == b->len && memcmp(a->content, b->content, a->len) == 0;
}

/* (content|range,range,...) for each distinct content, in the order each
 * first appears (row-major), one per line. */
static tabllm_status write_index(compressor *k, tl_buf *out)
{
    if (k->n_regions == 0)
        return tl_buf_status(out);
    qsort(k->regions, k->n_regions, sizeof *k->regions, by_content);
    /* groups[2g] = the group's first discovery number, groups[2g+1] = where
     * it starts in the sorted regions (its first region is its earliest) */
    size_t *groups = NULL;
    tabllm_status st = tl_alloc_array((void **)&groups, k->n_regions ? 2 * k->n_regions : 2,
                                      sizeof *groups, "SheetCompressor index");
    if (st != TABLLM_OK)
        return st;
    size_t ng = 0;
    for (size_t i = 0; i < k->n_regions; i++) {
        if (i > 0 && same_content(&k->regions[i - 1], &k->regions[i]))
            continue;
        groups[2 * ng] = k->regions[i].seq;
        groups[2 * ng + 1] = i;
        ng++;
    }
    qsort(groups, ng, 2 * sizeof *groups, by_first_seq);
    for (size_t gi = 0; gi < ng; gi++) {
        size_t i = groups[2 * gi + 1];
        const region *a = &k->regions[i];
        tl_buf_putc(out, '(');
        tl_grid_put_text(a->content, a->len, out);
        tl_buf_putc(out, '|');
        for (size_t j = i; j < k->n_regions && same_content(&k->regions[j], a); j++) {
            if (j > i)
                tl_buf_putc(out, ',');
            put_range(k, &k->regions[j], out);
        }
        tl_buf_puts(out, ")\n");
    }
    tl_free(groups);
    return tl_buf_status(out);
}

static void report_tokens(const tl_view *view, const tabllm_encode_params *params,
                          const tl_grid *g, const tl_buf *compressed)
{
    if (params->count_tokens == NULL || !tl_log_enabled(TABLLM_LOG_INFO))
        return;
    tl_buf vanilla = TL_BUF_INIT;
    vanilla_lines(g, NULL, NULL, NULL, params->flags & TABLLM_ENCODE_SHEET_FORMATS, &vanilla);
    if (tl_buf_status(&vanilla) == TABLLM_OK) {
        size_t before = params->count_tokens(vanilla.data ? vanilla.data : "", vanilla.len,
                                             params->count_tokens_user_data);
        size_t after = params->count_tokens(compressed->data ? compressed->data : "",
                                            compressed->len, params->count_tokens_user_data);
        if (before != SIZE_MAX && after != SIZE_MAX)
            tl_log_info("sheet-compressed: %zu tokens as sheet-vanilla, %zu compressed "
                        "(ratio %.2f) over %zu rows x %zu columns",
                        before, after, after ? (double)before / (double)after : 0.0,
                        view->n_rows, view->n_cols);
    }
    tl_buf_free(&vanilla);
}

tabllm_status tl_encode_sheet_compressed(const tl_view *view, const tabllm_encode_params *params,
                                         tl_buf *out)
{
    tl_grid g;
    tabllm_status st = tl_grid_from_view(view, params, &g);
    if (st != TABLLM_OK)
        return st;
    size_t n = g.n_rows * g.n_cols;
    bool anchors = !(params->flags & TABLLM_ENCODE_NO_ANCHORS);
    bool index = !(params->flags & TABLLM_ENCODE_NO_INVERTED_INDEX);
    bool aggregate = !(params->flags & TABLLM_ENCODE_NO_FORMAT_AGGREGATION);
    bool formats = params->flags & TABLLM_ENCODE_SHEET_FORMATS;
    compressor k = {.g = &g};
    bool *keep_rows = NULL, *keep_cols = NULL;
    size_t start = out->len;
    if (anchors) {
        st = tl_calloc_array((void **)&keep_rows, g.n_rows ? g.n_rows : 1, 1, "anchors");
        if (st == TABLLM_OK)
            st = tl_calloc_array((void **)&keep_cols, g.n_cols ? g.n_cols : 1, 1, "anchors");
        if (st == TABLLM_OK)
            st = tl_sheet_anchors(&g, params->anchor_k, keep_rows, keep_cols);
        k.keep_rows = keep_rows;
        k.keep_cols = keep_cols;
    }
    if (st == TABLLM_OK && aggregate) {
        st = tl_calloc_array((void **)&k.tokens, n ? n : 1, sizeof *k.tokens, "tokens");
        for (size_t i = 0; st == TABLLM_OK && i < n; i++) {
            const tl_grid_cell *cell = &g.cells[i];
            if (cell->covered || cell->merge >= 0)
                continue;
            const char *token = type_token(cell->category);
            if (token && formats && cell->format)
                token = cell->format; /* the number format string, as the paper's prompts allow */
            k.tokens[i] = token;
        }
    }
    if (st == TABLLM_OK && !index) {
        /* Without the inverted index the skeleton is written cell by cell,
         * vanilla-style, empty cells included; aggregated cells show their
         * type. */
        vanilla_lines(&g, keep_rows, keep_cols, k.tokens, formats, out);
        st = tl_buf_status(out);
    } else if (st == TABLLM_OK) {
        st = tl_calloc_array((void **)&k.done, n ? n : 1, sizeof *k.done, "regions");
        if (st == TABLLM_OK)
            st = find_regions(&k);
        if (st == TABLLM_OK)
            st = write_index(&k, out);
    }
    if (st == TABLLM_OK) {
        tl_buf compressed = {out->data ? out->data + start : NULL, out->len - start, 0, 0,
                             TABLLM_OK};
        report_tokens(view, params, &g, &compressed);
    }
    tl_free(k.tokens);
    tl_free(k.done);
    tl_free(k.regions);
    tl_free(keep_rows);
    tl_free(keep_cols);
    tl_grid_free(&g);
    return st;
}
