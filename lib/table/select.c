/* Row sampling: head, random by seed, stratified by a column, TableProvider's
 * evenly sampling, and (through relevance.c) question-relevant rows.
 *
 * Randomness comes from splitmix64 seeded with p->seed and Lemire's unbiased
 * bounded draw, so a seed selects the same rows on every platform and in
 * every version of the library. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "table/select.h"

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n), n > 0. */
static uint64_t draw_below(uint64_t *state, uint64_t n)
{
    for (;;) {
        __uint128_t m = (__uint128_t)splitmix64(state) * n;
        uint64_t low = (uint64_t)m;
        if (low >= n || low >= (0 - n) % n)
            return (uint64_t)(m >> 64);
    }
}

/* Moves k items chosen uniformly at random to the front of a[0..n). */
static void choose_front(uint64_t *state, size_t *a, size_t n, size_t k)
{
    for (size_t i = 0; i < k && i < n; i++) {
        size_t j = i + (size_t)draw_below(state, n - i);
        size_t tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Random picks are reported in the order the candidates had. */
static tabllm_status random_rows(uint64_t seed, size_t *rows, size_t *n, size_t k)
{
    size_t *pos;
    tabllm_status st = tl_alloc_array((void **)&pos, *n, sizeof *pos, "row positions");
    if (st != TABLLM_OK)
        return st;
    for (size_t i = 0; i < *n; i++)
        pos[i] = i;
    uint64_t state = seed;
    choose_front(&state, pos, *n, k);
    qsort(pos, k, sizeof *pos, cmp_size);
    for (size_t i = 0; i < k; i++)
        pos[i] = rows[pos[i]];
    memcpy(rows, pos, k * sizeof *rows);
    *n = k;
    tl_free(pos);
    return TABLLM_OK;
}

/* TableProvider's evenly_sampling order: first, last, second, second to
 * last, ... Unlike its code, this returns exactly k rows and includes the
 * middle row of an odd count. */
static tabllm_status evenly_rows(size_t *rows, size_t *n, size_t k)
{
    size_t *out;
    tabllm_status st = tl_alloc_array((void **)&out, k ? k : 1, sizeof *out, "row order");
    if (st != TABLLM_OK)
        return st;
    size_t head = 0, tail = *n;
    for (size_t i = 0; i < k; i++)
        out[i] = (i % 2 == 0) ? rows[head++] : rows[--tail];
    memcpy(rows, out, k * sizeof *rows);
    *n = k;
    tl_free(out);
    return TABLLM_OK;
}

typedef struct group {
    const tl_cell *key;
    size_t count, quota, first; /* first: position of the group's first row */
    size_t fill;                /* rows placed so far (second pass) */
    size_t start;               /* offset of its rows in the grouped array */
} group;

static bool same_text(const tl_cell *a, const tl_cell *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static uint64_t hash_cell(const tl_cell *c)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < c->len; i++)
        h = (h ^ (unsigned char)c->text[i]) * 1099511628211ull;
    return h;
}

/* Group ids of the candidates by the stratify column's text (a missing cell
 * is a group of its own), numbered in order of first appearance. */
static tabllm_status group_rows(const tabllm_table *t, size_t col, const size_t *rows, size_t n,
                                size_t *ids, group **groups_out, size_t *n_groups)
{
    size_t slots = 16;
    while (slots < 2 * n)
        slots *= 2;
    size_t *table;
    group *groups;
    tabllm_status st = tl_alloc_array((void **)&table, slots, sizeof *table, "group index");
    if (st != TABLLM_OK)
        return st;
    st = tl_calloc_array((void **)&groups, n ? n : 1, sizeof *groups, "groups");
    if (st != TABLLM_OK) {
        tl_free(table);
        return st;
    }
    memset(table, 0xff, slots * sizeof *table);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const tl_cell *c = tl_table_cell(t, rows[i], col);
        size_t h = (size_t)(hash_cell(c) & (slots - 1));
        while (table[h] != SIZE_MAX && !same_text(groups[table[h]].key, c))
            h = (h + 1) & (slots - 1);
        if (table[h] == SIZE_MAX) {
            table[h] = count;
            groups[count].key = c;
            groups[count].first = i;
            count++;
        }
        ids[i] = table[h];
        groups[table[h]].count++;
    }
    tl_free(table);
    *groups_out = groups;
    *n_groups = count;
    return TABLLM_OK;
}

/* Quotas proportional to group sizes by the largest-remainder method (ties
 * to the group seen first), then a random choice inside each group. */
static tabllm_status stratified_rows(const tabllm_table *t, size_t col, uint64_t seed,
                                     size_t *rows, size_t *n, size_t k)
{
    size_t *ids = NULL, *grouped = NULL;
    group *groups = NULL;
    size_t n_groups = 0;
    tabllm_status st = tl_alloc_array((void **)&ids, *n, sizeof *ids, "row groups");
    if (st == TABLLM_OK)
        st = group_rows(t, col, rows, *n, ids, &groups, &n_groups);
    if (st == TABLLM_OK)
        st = tl_alloc_array((void **)&grouped, *n, sizeof *grouped, "grouped rows");
    if (st != TABLLM_OK)
        goto done;

    size_t assigned = 0;
    for (size_t g = 0; g < n_groups; g++) {
        __uint128_t share = (__uint128_t)k * groups[g].count;
        groups[g].quota = (size_t)(share / *n);
        assigned += groups[g].quota;
    }
    while (assigned < k) {
        /* The group with the largest remainder that still has rows left. */
        size_t best = SIZE_MAX;
        __uint128_t best_rem = 0;
        for (size_t g = 0; g < n_groups; g++) {
            if (groups[g].quota >= groups[g].count)
                continue;
            __uint128_t rem = ((__uint128_t)k * groups[g].count) % *n;
            /* A group that already got its extra row ranks below all others. */
            if ((__uint128_t)groups[g].quota * *n > (__uint128_t)k * groups[g].count)
                rem = 0;
            if (best == SIZE_MAX || rem > best_rem) {
                best = g;
                best_rem = rem;
            }
        }
        groups[best].quota++;
        assigned++;
    }

    size_t offset = 0;
    for (size_t g = 0; g < n_groups; g++) {
        groups[g].start = offset;
        offset += groups[g].count;
    }
    for (size_t i = 0; i < *n; i++) {
        group *gr = &groups[ids[i]];
        grouped[gr->start + gr->fill++] = i;
    }
    uint64_t state = seed;
    size_t out = 0;
    for (size_t g = 0; g < n_groups; g++) {
        size_t *members = grouped + groups[g].start;
        choose_front(&state, members, groups[g].count, groups[g].quota);
        for (size_t i = 0; i < groups[g].quota; i++)
            ids[out++] = members[i]; /* reuse ids as the chosen positions */
    }
    qsort(ids, out, sizeof *ids, cmp_size);
    for (size_t i = 0; i < out; i++)
        grouped[i] = rows[ids[i]];
    memcpy(rows, grouped, out * sizeof *rows);
    *n = out;
done:
    tl_free(ids);
    tl_free(grouped);
    tl_free(groups);
    return st;
}

tabllm_status tl_select_rows(const tabllm_table *t, const tabllm_encode_params *p,
                             size_t stratify_col, const size_t *cols, size_t n_cols, size_t *rows,
                             size_t *n)
{
    size_t k = (p->max_rows == 0 || p->max_rows > *n) ? *n : p->max_rows;
    switch (p->row_sampling) {
    case TABLLM_ROWS_ALL:
        return TABLLM_OK;
    case TABLLM_ROWS_HEAD:
        *n = k;
        return TABLLM_OK;
    case TABLLM_ROWS_RANDOM:
        return random_rows(p->seed, rows, n, k);
    case TABLLM_ROWS_STRATIFIED:
        return stratified_rows(t, stratify_col, p->seed, rows, n, k);
    case TABLLM_ROWS_EVENLY:
        return evenly_rows(rows, n, k);
    case TABLLM_ROWS_RELEVANT:
        return tl_relevant_rows(t, cols, n_cols, p->question, k, rows, n);
    default:
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown row sampling %u", p->row_sampling);
    }
}
