/* Hand-written matchers for the three pre-tokenizer regexes almost every
 * byte-level tokenizer uses (GPT-2's, Llama 3's, Qwen2's). They follow the
 * regexes' leftmost-first alternation and backtracking exactly; the unit test
 * test_regex_fast and the fuzz target fuzz_regex_fast compare them with PCRE2
 * running the original pattern. Each of these patterns matches at every
 * position, so a matcher only has to return the length of the match. */
#include <pthread.h>
#include <string.h>

#include "base/utf8.h"
#include "tokenizer/tokenizer.h"

static const char GPT2[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char LLAMA3[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char QWEN2[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

tl_fast_regex tl_fast_regex_detect(const char *s, size_t len)
{
    if (len == sizeof GPT2 - 1 && memcmp(s, GPT2, len) == 0)
        return TL_FAST_GPT2;
    if (len == sizeof LLAMA3 - 1 && memcmp(s, LLAMA3, len) == 0)
        return TL_FAST_LLAMA3;
    if (len == sizeof QWEN2 - 1 && memcmp(s, QWEN2, len) == 0)
        return TL_FAST_QWEN2;
    return TL_FAST_NONE;
}

enum { C_L = 1, C_N = 2, C_S = 4, C_O = 8, C_NL = 16 /* \r or \n */ };

static unsigned char ascii_class[128];
static int ascii_ready;

static void init_ascii(void)
{
    for (uint32_t c = 0; c < 128; c++) {
        unsigned char k = tl_uc_is_letter(c) ? C_L : tl_uc_is_number(c) ? C_N
                          : tl_uc_is_space(c)                             ? C_S
                                                                          : C_O;
        if (c == '\r' || c == '\n')
            k |= C_NL;
        ascii_class[c] = k;
    }
    __atomic_store_n(&ascii_ready, 1, __ATOMIC_RELEASE);
}

/* Classes of non-ASCII characters come from PCRE2's own Unicode tables
 * (filled lazily, 256 code points at a time), so the fast matchers agree with
 * PCRE2 even where utf8proc knows a newer Unicode version. */
static unsigned char uc_class[0x110000];
static unsigned char uc_block_ready[0x1100];
static pthread_mutex_t uc_lock = PTHREAD_MUTEX_INITIALIZER;

static void fill_block(uint32_t block)
{
    static const char *const sources[2] = {"\\p{L}", "\\p{N}"};
    pcre2_code *re[2];
    for (int k = 0; k < 2; k++) {
        int err;
        PCRE2_SIZE off;
        re[k] = pcre2_compile((PCRE2_SPTR)sources[k], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED, &err, &off, NULL);
    }
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    for (uint32_t cp = block << 8; cp < (block + 1) << 8; cp++) {
        unsigned char k = C_O;
        char buf[4];
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            uc_class[cp] = k;
            continue;
        }
        size_t n = tl_utf8_encode(cp, buf);
        if (tl_uc_is_space(cp))
            k = C_S;
        else if (re[0] && md && pcre2_match(re[0], (PCRE2_SPTR)buf, n, 0, 0, md, NULL) > 0)
            k = C_L;
        else if (re[1] && md && pcre2_match(re[1], (PCRE2_SPTR)buf, n, 0, 0, md, NULL) > 0)
            k = C_N;
        else if (re[0] == NULL || re[1] == NULL || md == NULL) /* out of memory: utf8proc */
            k = tl_uc_is_letter(cp) ? C_L : tl_uc_is_number(cp) ? C_N : C_O;
        uc_class[cp] = k;
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re[0]);
    pcre2_code_free(re[1]);
    __atomic_store_n(&uc_block_ready[block], 1, __ATOMIC_RELEASE);
}

static inline unsigned uc_cls(uint32_t cp)
{
    if (!__atomic_load_n(&uc_block_ready[cp >> 8], __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&uc_lock);
        if (!__atomic_load_n(&uc_block_ready[cp >> 8], __ATOMIC_ACQUIRE))
            fill_block(cp >> 8);
        pthread_mutex_unlock(&uc_lock);
    }
    return uc_class[cp];
}

/* Class of the character at s[i] and its length. */
static inline unsigned cls_at(const char *s, size_t len, size_t i, size_t *n, uint32_t *cpo)
{
    unsigned char b = (unsigned char)s[i];
    if (b < 0x80) {
        *n = 1;
        if (cpo)
            *cpo = b;
        return ascii_class[b];
    }
    uint32_t cp;
    *n = tl_uc_next(s, len, i, &cp);
    if (cpo)
        *cpo = cp;
    return uc_cls(cp);
}

/* End of the run of characters whose class has any bit of `mask`. */
static inline size_t run_of(const char *s, size_t len, size_t i, unsigned mask)
{
    while (i < len) {
        size_t n;
        if (!(cls_at(s, len, i, &n, NULL) & mask))
            break;
        i += n;
    }
    return i;
}

/* Contractions: 's 't 're 've 'm 'll 'd; `fold` makes them case-insensitive
 * (with Unicode folding, so U+017F LONG S matches 's'). Returns the length or 0. */
static size_t contraction(const char *s, size_t len, size_t i, bool fold)
{
    if (s[i] != '\'' || i + 1 >= len)
        return 0;
    unsigned char c = (unsigned char)s[i + 1];
    unsigned char l = (fold && c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
    if (l == 's' || l == 't' || l == 'm' || l == 'd')
        return 2;
    if (fold && c == 0xC5 && i + 2 < len && (unsigned char)s[i + 2] == 0xBF)
        return 3; /* 'ſ: U+017F folds to 's' */
    if (i + 2 < len) {
        unsigned char c2 = (unsigned char)s[i + 2];
        unsigned char l2 = (fold && c2 >= 'A' && c2 <= 'Z') ? (unsigned char)(c2 + 32) : c2;
        if ((l == 'r' && l2 == 'e') || (l == 'v' && l2 == 'e') || (l == 'l' && l2 == 'l'))
            return 3;
    }
    return 0;
}

/* \s+(?!\S) then \s+ : the whitespace run from i, less its last character
 * when a non-space follows and the run has more than one character. */
static size_t space_tail(const char *s, size_t len, size_t i, size_t end)
{
    if (end == len)
        return end - i;
    size_t last = end - 1;
    while (((unsigned char)s[last] & 0xC0) == 0x80)
        last--;
    return last > i ? last - i : end - i;
}

static size_t match_llama3(const char *s, size_t len, size_t i, int max_digits)
{
    size_t n0;
    unsigned c0 = cls_at(s, len, i, &n0, NULL);
    size_t k = contraction(s, len, i, true);
    if (k)
        return k;
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    if (c0 & C_L)
        return run_of(s, len, i + n0, C_L) - i;
    if (!(c0 & (C_N | C_NL)) && i + n0 < len) {
        size_t n1;
        if (cls_at(s, len, i + n0, &n1, NULL) & C_L)
            return run_of(s, len, i + n0 + n1, C_L) - i;
    }
    /* \p{N}{1,3} */
    if (c0 & C_N) {
        size_t j = i + n0;
        for (int d = 1; d < max_digits && j < len; d++) {
            size_t n;
            if (!(cls_at(s, len, j, &n, NULL) & C_N))
                break;
            j += n;
        }
        return j - i;
    }
    /* ` ?[^\s\p{L}\p{N}]+[\r\n]*` */
    size_t j = i;
    if (s[i] == ' ' && i + 1 < len) {
        size_t n1;
        if (cls_at(s, len, i + 1, &n1, NULL) & C_O)
            j = i + 1;
    }
    size_t nj;
    if (j < len && (cls_at(s, len, j, &nj, NULL) & C_O)) {
        j = run_of(s, len, j, C_O);
        while (j < len && (s[j] == '\r' || s[j] == '\n'))
            j++;
        return j - i;
    }
    /* Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+ */
    size_t end = run_of(s, len, i, C_S);
    for (size_t e = end; e > i; e--)
        if (s[e - 1] == '\r' || s[e - 1] == '\n')
            return e - i;
    return space_tail(s, len, i, end);
}

static size_t match_gpt2(const char *s, size_t len, size_t i)
{
    size_t k = contraction(s, len, i, false);
    if (k)
        return k;
    size_t j = i;
    if (s[i] == ' ' && i + 1 < len)
        j = i + 1;
    size_t n;
    unsigned c = cls_at(s, len, j, &n, NULL);
    if (j > i && (c & C_S)) { /* the optional space is not followed by L, N or other */
        j = i;
        c = cls_at(s, len, j, &n, NULL);
    }
    if (c & C_L)
        return run_of(s, len, j + n, C_L) - i;
    if (c & C_N)
        return run_of(s, len, j + n, C_N) - i;
    if (c & C_O)
        return run_of(s, len, j + n, C_O) - i;
    size_t end = run_of(s, len, i, C_S);
    return space_tail(s, len, i, end);
}

size_t tl_fast_match(tl_fast_regex which, const char *text, size_t len, size_t i)
{
    if (!__atomic_load_n(&ascii_ready, __ATOMIC_ACQUIRE))
        init_ascii();
    switch (which) {
    case TL_FAST_GPT2: return match_gpt2(text, len, i);
    case TL_FAST_LLAMA3: return match_llama3(text, len, i, 3);
    case TL_FAST_QWEN2: return match_llama3(text, len, i, 1);
    default: return 0;
    }
}
