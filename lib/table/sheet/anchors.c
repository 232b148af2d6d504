/* SheetCompressor module 1: structural-anchor-based extraction.
 *
 * The paper (SpreadsheetLLM, section 3.2 and appendix C) keeps the rows and
 * columns within k of "structural anchors" -- heterogeneous rows/columns at
 * possible table boundaries -- and drops distant homogeneous ones. Its exact
 * heuristics are not published; this is ours, in the same spirit:
 *
 *  - each cell has a kind: empty, covered by a merge, or its category (text,
 *    integer, date, ... -- so number formats count, values do not);
 *  - two neighbouring rows are a boundary when their kinds differ in more
 *    than half of the cells either of them fills (a header over numbers, a
 *    blank row after a table, a title over a header), or in three or more
 *    adjacent columns (a second table beside the first one starts or
 *    ends); one missing value in a data row is not a boundary;
 *  - the anchors are the rows on both sides of each boundary, plus the
 *    first and last row; every row within k of an anchor is kept.
 * Columns likewise. */
#include <string.h>

#include "base/alloc.h"
#include "table/sheet/grid.h"
#include "table/sheet/sheet_encode.h"

static int kind(const tl_grid_cell *c)
{
    if (c->covered)
        return 255;
    return c->category;
}

/* Marks keep[i] for every line within k of an anchor; anchors[] flags them. */
static void keep_near(const bool *anchors, size_t n, uint32_t k, bool *keep)
{
    /* distance to the nearest anchor, in two sweeps */
    size_t last = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (anchors[i])
            last = i;
        keep[i] = last != SIZE_MAX && i - last <= k;
    }
    last = SIZE_MAX;
    for (size_t i = n; i-- > 0;) {
        if (anchors[i])
            last = i;
        if (last != SIZE_MAX && last - i <= k)
            keep[i] = true;
    }
}

/* Lines are rows (transpose = false) or columns. */
static void boundaries(const tl_grid *g, bool transpose, bool *anchors)
{
    size_t n = transpose ? g->n_cols : g->n_rows;
    size_t m = transpose ? g->n_rows : g->n_cols;
    if (n == 0)
        return;
    anchors[0] = anchors[n - 1] = true;
    for (size_t i = 0; i + 1 < n; i++) {
        size_t diff = 0, pop_a = 0, pop_b = 0, run = 0, longest = 0;
        for (size_t j = 0; j < m; j++) {
            const tl_grid_cell *a = transpose ? tl_grid_at(g, j, i) : tl_grid_at(g, i, j);
            const tl_grid_cell *b = transpose ? tl_grid_at(g, j, i + 1) : tl_grid_at(g, i + 1, j);
            int ka = kind(a), kb = kind(b);
            diff += ka != kb;
            run = ka != kb ? run + 1 : 0;
            longest = run > longest ? run : longest;
            pop_a += ka != TL_CAT_EMPTY;
            pop_b += kb != TL_CAT_EMPTY;
        }
        size_t pop = pop_a > pop_b ? pop_a : pop_b;
        if (diff > 0 && (2 * diff > pop || longest >= 3))
            anchors[i] = anchors[i + 1] = true;
    }
}

tabllm_status tl_sheet_anchors(const tl_grid *g, uint32_t k, bool *keep_rows, bool *keep_cols)
{
    size_t n = g->n_rows > g->n_cols ? g->n_rows : g->n_cols;
    bool *anchors = NULL;
    tabllm_status st = tl_calloc_array((void **)&anchors, n ? n : 1, sizeof *anchors,
                                       "structural anchors");
    if (st != TABLLM_OK)
        return st;
    boundaries(g, false, anchors);
    keep_near(anchors, g->n_rows, k, keep_rows);
    memset(anchors, 0, (n ? n : 1) * sizeof *anchors);
    boundaries(g, true, anchors);
    keep_near(anchors, g->n_cols, k, keep_cols);
    tl_free(anchors);
    return TABLLM_OK;
}
