/* pandas 1.5 read_csv column names: parsers.pyx TextReader._get_header with
 * mangle_dupe_cols (one header row). */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "table/formats/pandas.h"

/* ---- column names (parsers.pyx TextReader._get_header, pandas 1.5) ------ */

/* A small string -> count map for the header mangling. */
typedef struct name_map {
    const char **keys;
    size_t *lens;
    size_t *counts;
    size_t cap; /* a power of two */
} name_map;

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static size_t *map_slot(name_map *m, const char *s, size_t len, tl_arena *arena, bool insert)
{
    size_t mask = m->cap - 1;
    for (size_t i = hash_bytes(s, len) & mask;; i = (i + 1) & mask) {
        if (m->keys[i] == NULL) {
            if (!insert)
                return NULL;
            char *copy = tl_arena_strndup(arena, s, len);
            if (copy == NULL)
                return NULL;
            m->keys[i] = copy;
            m->lens[i] = len;
            m->counts[i] = 0;
            return &m->counts[i];
        }
        if (m->lens[i] == len && memcmp(m->keys[i], s, len) == 0)
            return &m->counts[i];
    }
}

static size_t map_get(name_map *m, const char *s, size_t len)
{
    size_t *slot = map_slot(m, s, len, NULL, false);
    return slot ? *slot : 0;
}

static tabllm_status map_init(name_map *m, size_t entries)
{
    memset(m, 0, sizeof *m);
    size_t cap = 16;
    while (cap < entries * 2 + 16) {
        if (cap > SIZE_MAX / 4)
            return tl_error(TABLLM_ERR_LIMIT_EXCEEDED, "too many column names");
        cap *= 2;
    }
    m->cap = cap;
    tabllm_status st = tl_calloc_array((void **)&m->keys, cap, sizeof *m->keys, "column names");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&m->lens, cap, sizeof *m->lens, "column names");
    if (st == TABLLM_OK)
        st = tl_calloc_array((void **)&m->counts, cap, sizeof *m->counts, "column names");
    return st;
}

static void map_free(name_map *m)
{
    tl_free(m->keys);
    tl_free(m->lens);
    tl_free(m->counts);
}

tabllm_status tl_pd_column_names(const tabllm_table *t, tl_arena *arena, const char **names,
                                 size_t *lens)
{
    size_t n = t->n_cols;
    for (size_t c = 0; c < n; c++) {
        const tl_cell *h = tl_table_column_name(t, c);
        const char *s = h->text;
        size_t len = h->len;
        if (c == 0 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
            s += 3;
            len -= 3;
        }
        if (t->has_header && len == 0) {
            char tmp[48];
            int k = snprintf(tmp, sizeof tmp, "Unnamed: %zu", c);
            s = tl_arena_strndup(arena, tmp, (size_t)k);
            if (s == NULL)
                return TABLLM_ERR_OUT_OF_MEMORY;
            len = (size_t)k;
        }
        names[c] = s;
        lens[c] = len;
    }
    if (!t->has_header || n == 0)
        return TABLLM_OK;

    /* Named columns first, then the unnamed ones, so given names win. */
    name_map counts = {0}, present = {0};
    tl_buf scratch = TL_BUF_INIT;
    tabllm_status st = map_init(&counts, n * 2);
    if (st == TABLLM_OK)
        st = map_init(&present, n * 2);
    for (size_t c = 0; st == TABLLM_OK && c < n; c++) {
        size_t *slot = map_slot(&present, names[c], lens[c], arena, true);
        if (slot == NULL)
            st = TABLLM_ERR_OUT_OF_MEMORY;
        else
            (*slot)++;
    }
    for (int pass = 0; st == TABLLM_OK && pass < 2; pass++) {
        for (size_t c = 0; st == TABLLM_OK && c < n; c++) {
            bool unnamed = tl_table_column_name(t, c)->len == 0;
            if (unnamed != (pass == 1))
                continue;
            const char *col = names[c];
            size_t col_len = lens[c];
            const char *old = col;
            size_t old_len = col_len;
            size_t cur = map_get(&counts, col, col_len);
            if (cur > 0) {
                while (cur > 0) {
                    size_t *slot = map_slot(&counts, old, old_len, arena, true);
                    if (slot == NULL) {
                        st = TABLLM_ERR_OUT_OF_MEMORY;
                        break;
                    }
                    *slot = cur + 1;
                    tl_buf_truncate(&scratch, 0);
                    tl_buf_append(&scratch, old, old_len);
                    tl_buf_printf(&scratch, ".%zu", cur);
                    if ((st = tl_buf_status(&scratch)) != TABLLM_OK)
                        break;
                    col = scratch.data;
                    col_len = scratch.len;
                    if (map_get(&present, col, col_len) > 0)
                        cur++;
                    else
                        cur = map_get(&counts, col, col_len);
                }
                if (st == TABLLM_OK) {
                    char *copy = tl_arena_strndup(arena, col, col_len);
                    if (copy == NULL)
                        st = TABLLM_ERR_OUT_OF_MEMORY;
                    col = copy;
                }
                if (st != TABLLM_OK)
                    break;
                /* this_header[i] = col */
                size_t *was = map_slot(&present, names[c], lens[c], arena, false);
                if (was != NULL && *was > 0)
                    (*was)--;
                size_t *now = map_slot(&present, col, col_len, arena, true);
                if (now == NULL) {
                    st = TABLLM_ERR_OUT_OF_MEMORY;
                    break;
                }
                (*now)++;
                names[c] = col;
                lens[c] = col_len;
            }
            size_t *slot = map_slot(&counts, col, col_len, arena, true);
            if (slot == NULL) {
                st = TABLLM_ERR_OUT_OF_MEMORY;
                break;
            }
            *slot = cur + 1;
        }
    }
    map_free(&counts);
    map_free(&present);
    tl_buf_free(&scratch);
    return st;
}
