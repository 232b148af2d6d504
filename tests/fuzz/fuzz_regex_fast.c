/* libFuzzer target: the hand-written pre-tokenizer matchers must split any
 * valid UTF-8 exactly as PCRE2 running the original regex does. */
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "tokenizer/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const PATTERNS[] = {
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tl_pattern fast[3], slow[3];
    static int ready;
    if (!ready) {
        for (int p = 0; p < 3; p++) {
            if (tl_pattern_compile_regex(&fast[p], PATTERNS[p], strlen(PATTERNS[p]), "f") ||
                tl_pattern_compile_regex(&slow[p], PATTERNS[p], strlen(PATTERNS[p]), "s"))
                abort();
            slow[p].fast = TL_FAST_NONE;
        }
        ready = 1;
    }
    const char *s = (const char *)data;
    if (tl_utf8_valid_prefix(s, size) != size)
        return 0;
    for (int p = 0; p < 3; p++) {
        tl_matches a = {0}, b = {0};
        pcre2_match_data *md = NULL;
        if (tl_pattern_find(&fast[p], s, size, &a, &md) || tl_pattern_find(&slow[p], s, size, &b, &md))
            abort();
        if (a.n != b.n)
            abort();
        for (size_t i = 0; i < a.n; i++)
            if (a.v[i].start != b.v[i].start || a.v[i].end != b.v[i].end)
                abort();
        free(a.v);
        free(b.v);
        pcre2_match_data_free(md);
    }
    return 0;
}
