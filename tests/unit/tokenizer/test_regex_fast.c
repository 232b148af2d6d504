/* The hand-written GPT-2 / Llama 3 / Qwen2 pre-tokenizer matchers against
 * PCRE2 running the same patterns, on random text drawn from the characters
 * where the regexes' alternatives meet. */
#include "test_util.h"

#include "base/utf8.h"
#include "tokenizer/tokenizer.h"

static const char *const PATTERNS[] = {
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

static const uint32_t ALPHABET[] = {
    'a', 'b', 's', 'S', 't', 'T', 'r', 'R', 'e', 'E', 'v', 'l', 'L', 'm', 'M', 'd', 'D', 'x',
    '\'', ' ', ' ', ' ', '\t', '\r', '\n', '\f', '\v', '0', '1', '9', '.', ',', '!', '-', '_',
    0x17F, 0xE9, 0x301, 0x4E2D, 0xA0, 0x3000, 0x180E, 0x2028, 0x85, 0xB2, 0x663, 0x1F600,
    0x200D, 0x2160, 0x5D0, 0xE01, 0x10400, 0xFFFD, 0x1,
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void compare(const tl_pattern *fast, const tl_pattern *slow, const char *s, size_t len)
{
    tl_matches a = {0}, b = {0};
    pcre2_match_data *md = NULL;
    tabllm_status st = tl_pattern_find(fast, s, len, &a, &md);
    if (st == TABLLM_OK)
        st = tl_pattern_find(slow, s, len, &b, &md);
    if (st != TABLLM_OK)
        fail_msg("tl_pattern_find: %s", tabllm_last_error());
    bool same = a.n == b.n;
    for (size_t i = 0; same && i < a.n; i++)
        same = a.v[i].start == b.v[i].start && a.v[i].end == b.v[i].end &&
               a.v[i].is_match == b.v[i].is_match;
    if (!same) {
        for (size_t i = 0; i < a.n || i < b.n; i++)
            print_message("%zu: fast [%zu,%zu) pcre2 [%zu,%zu)\n", i, i < a.n ? a.v[i].start : 0,
                          i < a.n ? a.v[i].end : 0, i < b.n ? b.v[i].start : 0,
                          i < b.n ? b.v[i].end : 0);
        fail_msg("fast matcher differs from PCRE2 on %zu bytes", len);
    }
    free(a.v);
    free(b.v);
    pcre2_match_data_free(md);
}

static void test_fast_equals_pcre2(void **state)
{
    (void)state;
    /* Under valgrind, a sample of the same checks (every 61st code point). */
    int slow_run = getenv("TABLLM_UNDER_VALGRIND") != NULL;
    int iters = slow_run ? 1500 : 30000;
    uint32_t stride = slow_run ? 61 : 1;
    for (int p = 0; p < 3; p++) {
        tl_pattern fast, slow;
        assert_int_equal(tl_pattern_compile_regex(&fast, PATTERNS[p], strlen(PATTERNS[p]), "t"),
                         TABLLM_OK);
        assert_int_equal(fast.fast, (tl_fast_regex)(p + 1));
        assert_int_equal(tl_pattern_compile_regex(&slow, PATTERNS[p], strlen(PATTERNS[p]), "t"),
                         TABLLM_OK);
        slow.fast = TL_FAST_NONE;
        char buf[256];
        for (int iter = 0; iter < iters; iter++) {
            size_t len = 0, n = 1 + rnd(40);
            for (size_t k = 0; k < n; k++)
                len += tl_utf8_encode(ALPHABET[rnd(sizeof ALPHABET / sizeof *ALPHABET)], buf + len);
            compare(&fast, &slow, buf, len);
        }
        /* every code point once, between letters */
        for (uint32_t cp = 1; cp < 0x30000; cp += stride) {
            if (cp >= 0xD800 && cp <= 0xDFFF)
                continue;
            size_t len = 0;
            buf[len++] = ' ';
            len += tl_utf8_encode(cp, buf + len);
            buf[len++] = 'a';
            len += tl_utf8_encode(cp, buf + len);
            len += tl_utf8_encode(cp, buf + len);
            compare(&fast, &slow, buf, len);
        }
        tl_pattern_free(&fast);
        tl_pattern_free(&slow);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_equals_pcre2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
