/* Added tokens: found in the text before the model runs, leftmost-longest,
 * with the single_word / lstrip / rstrip rules of AddedVocabulary::
 * find_matches. A byte trie with a first-byte filter replaces the
 * Aho-Corasick automaton; leftmost-longest semantics are the same: at the
 * leftmost position where any token matches, the longest one wins, and the
 * search resumes after it (also when the match is then discarded). */
#include <string.h>

#include "base/alloc.h"
#include "tokenizer/tokenizer.h"

static tabllm_status new_node(tl_trie *t, unsigned char byte, int32_t *out)
{
    if (t->n == t->cap &&
        tl_grow_array((void **)&t->nodes, &t->cap, t->n + 1, sizeof *t->nodes, "added-token trie") !=
            TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    t->nodes[t->n] = (tl_trie_node){-1, -1, -1, byte};
    *out = (int32_t)t->n++;
    return TABLLM_OK;
}

tabllm_status tl_trie_add(tl_trie *t, const char *s, size_t len, int32_t token);
tabllm_status tl_trie_add(tl_trie *t, const char *s, size_t len, int32_t token)
{
    if (len == 0)
        return TABLLM_OK;
    int32_t node;
    if (t->n == 0 && new_node(t, 0, &node) != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    node = 0;
    t->first[(unsigned char)s[0] >> 6] |= 1ull << ((unsigned char)s[0] & 63);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int32_t child = t->nodes[node].first_child;
        while (child >= 0 && t->nodes[child].byte != c)
            child = t->nodes[child].next_sibling;
        if (child < 0) {
            if (new_node(t, c, &child) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            t->nodes[child].next_sibling = t->nodes[node].first_child;
            t->nodes[node].first_child = child;
        }
        node = child;
    }
    if (t->nodes[node].token < 0) /* the first of identical patterns wins */
        t->nodes[node].token = token;
    return TABLLM_OK;
}

/* The longest token starting at text[i]: its length, or 0. */
static size_t longest_at(const tl_trie *t, const char *text, size_t len, size_t i, int32_t *tok)
{
    int32_t node = 0;
    size_t best = 0;
    for (size_t k = i; k < len; k++) {
        unsigned char c = (unsigned char)text[k];
        int32_t child = t->nodes[node].first_child;
        while (child >= 0 && t->nodes[child].byte != c)
            child = t->nodes[child].next_sibling;
        if (child < 0)
            break;
        node = child;
        if (t->nodes[node].token >= 0) {
            best = k + 1 - i;
            *tok = t->nodes[node].token;
        }
    }
    return best;
}

static tabllm_status push_seg(tl_seg **segs, size_t *n, size_t *cap, size_t s, size_t e,
                              int32_t added)
{
    if (*n == *cap &&
        tl_grow_array((void **)segs, cap, *n + 1, sizeof **segs, "segments") != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    (*segs)[(*n)++] = (tl_seg){s, e, added};
    return TABLLM_OK;
}

static uint32_t last_char(const char *s, size_t end)
{
    size_t p = end - 1;
    while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
        p--;
    uint32_t cp;
    tl_uc_next(s, end, p, &cp);
    return cp;
}

tabllm_status tl_added_split(const tabllm_tokenizer *t, const tl_trie *trie, const char *text,
                             size_t len, bool special_as_text, tl_seg **segs, size_t *n,
                             size_t *cap)
{
    *n = 0;
    if (len == 0)
        return push_seg(segs, n, cap, 0, 0, -1);
    size_t start_offset = 0;
    if (trie->n > 0) {
        for (size_t i = 0; i < len;) {
            unsigned char c = (unsigned char)text[i];
            if (!(trie->first[c >> 6] >> (c & 63) & 1)) {
                i++;
                continue;
            }
            int32_t tok = -1;
            size_t k = longest_at(trie, text, len, i, &tok);
            if (k == 0) {
                i++;
                continue;
            }
            size_t start = i, stop = i + k;
            i = stop; /* the automaton resumes here, whatever happens next */
            const tl_added *a = &t->added[tok];
            if (special_as_text && a->special)
                continue;
            if (a->single_word) {
                uint32_t cp;
                bool start_space = start == 0 || !tl_uc_is_word(last_char(text, start));
                bool stop_space = stop == len || (tl_uc_next(text, len, stop, &cp),
                                                  !tl_uc_is_word(cp));
                if (!start_space || !stop_space)
                    continue;
            }
            if (a->lstrip) {
                size_t s = start;
                while (s > 0 && tl_uc_is_space(last_char(text, s))) {
                    s--;
                    while (s > 0 && ((unsigned char)text[s] & 0xC0) == 0x80)
                        s--;
                }
                start = s > start_offset ? s : start_offset;
            }
            if (a->rstrip) {
                uint32_t cp;
                while (stop < len) {
                    size_t m = tl_uc_next(text, len, stop, &cp);
                    if (!tl_uc_is_space(cp))
                        break;
                    stop += m;
                }
            }
            if (start_offset < start && push_seg(segs, n, cap, start_offset, start, -1) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            if (push_seg(segs, n, cap, start, stop, tok) != TABLLM_OK)
                return TABLLM_ERR_OUT_OF_MEMORY;
            start_offset = stop;
        }
    }
    if (start_offset != len && push_seg(segs, n, cap, start_offset, len, -1) != TABLLM_OK)
        return TABLLM_ERR_OUT_OF_MEMORY;
    return TABLLM_OK;
}
