/* What a column holds, read from all its cells (tabllm_table_column_kind).
 *
 * Rules, in order, over the cells that are not missing:
 *  none                                  -> EMPTY
 *  all booleans                          -> BOOL
 *  all integers                          -> INTEGER
 *  all numbers (integers or decimals)    -> FLOAT
 *  all ISO 8601 dates or date-times      -> DATE
 *  at most 64 distinct texts, and at most half as many as there are cells
 *                                        -> CATEGORICAL
 *  otherwise                             -> TEXT */
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "table/table.h"

#define MAX_CATEGORIES 64

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* YYYY-MM-DD, then optionally [T ]HH:MM[:SS[.fff]] and Z or +HH:MM / +HHMM. */
static bool is_iso_date(const char *s, size_t len)
{
    if (len < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return false;
    int month = num2(s + 5), day = num2(s + 8);
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return false;
    if (len == 10)
        return true;
    size_t i = 10;
    if (s[i] != 'T' && s[i] != ' ')
        return false;
    i++;
    if (len < i + 5 || !digits(s + i, 2) || s[i + 2] != ':' || !digits(s + i + 3, 2))
        return false;
    if (num2(s + i) > 23 || num2(s + i + 3) > 59)
        return false;
    i += 5;
    if (i + 3 <= len && s[i] == ':' && digits(s + i + 1, 2)) {
        if (num2(s + i + 1) > 60)
            return false;
        i += 3;
        if (i < len && s[i] == '.') {
            size_t start = ++i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == start)
                return false;
        }
    }
    if (i == len)
        return true;
    if (s[i] == 'Z')
        return i + 1 == len;
    if (s[i] != '+' && s[i] != '-')
        return false;
    i++;
    if (len - i == 5)
        return digits(s + i, 2) && s[i + 2] == ':' && digits(s + i + 3, 2);
    if (len - i == 4)
        return digits(s + i, 4);
    return len - i == 2 && digits(s + i, 2);
}

static uint64_t hash_text(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* Distinct texts among the column's cells, counting no further than
 * MAX_CATEGORIES + 1. */
static size_t count_distinct(const tabllm_table *t, size_t col)
{
    enum { SLOTS = 256 }; /* > 2 * (MAX_CATEGORIES + 1), so probing ends */
    const tl_cell *slots[SLOTS] = {0};
    size_t distinct = 0;
    for (size_t r = 0; r < t->n_rows && distinct <= MAX_CATEGORIES; r++) {
        const tl_cell *c = tl_table_cell(t, r, col);
        if (c->type == TL_CELL_NULL)
            continue;
        size_t i = hash_text(c->text, c->len) % SLOTS;
        while (slots[i] != NULL &&
               !(slots[i]->len == c->len && memcmp(slots[i]->text, c->text, c->len) == 0))
            i = (i + 1) % SLOTS;
        if (slots[i] == NULL) {
            slots[i] = c;
            distinct++;
        }
    }
    return distinct;
}

TABLLM_API tabllm_column_kind tabllm_table_column_kind(const tabllm_table *table, size_t column)
{
    if (table == NULL || column >= table->n_cols)
        return TABLLM_COLUMN_EMPTY;
    size_t present = 0, bools = 0, ints = 0, floats = 0, dates = 0;
    for (size_t r = 0; r < table->n_rows; r++) {
        const tl_cell *c = tl_table_cell(table, r, column);
        switch (c->type) {
        case TL_CELL_NULL: continue;
        case TL_CELL_BOOL: bools++; break;
        case TL_CELL_INT: ints++; break;
        case TL_CELL_FLOAT: floats++; break;
        case TL_CELL_TEXT: dates += is_iso_date(c->text, c->len); break;
        }
        present++;
    }
    if (present == 0)
        return TABLLM_COLUMN_EMPTY;
    if (bools == present)
        return TABLLM_COLUMN_BOOL;
    if (ints == present)
        return TABLLM_COLUMN_INTEGER;
    if (ints + floats == present)
        return TABLLM_COLUMN_FLOAT;
    if (dates == present)
        return TABLLM_COLUMN_DATE;
    size_t distinct = count_distinct(table, column);
    if (distinct <= MAX_CATEGORIES && distinct * 2 <= present)
        return TABLLM_COLUMN_CATEGORICAL;
    return TABLLM_COLUMN_TEXT;
}
