/* Conformance: upper() and lower() map every code point as JavaScript's
 * toUpperCase()/toLowerCase() do (the reference's string methods), for the
 * characters of utf8proc's Unicode version; the table comes from node in
 * tests/conformance/chat/generate.mjs. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/utf8.h"
#include "chat/jsstr.h"

static bool assigned(uint32_t cp)
{
    return utf8proc_category((utf8proc_int32_t)cp) != UTF8PROC_CATEGORY_CN;
}

static int parse_cps(const char *s, uint32_t *out, int max)
{
    int n = 0;
    while (*s && *s != ';' && n < max) {
        char *end;
        out[n++] = (uint32_t)strtoul(s, &end, 16);
        s = end;
        while (*s == ' ')
            s++;
    }
    return n;
}

/* Maps one code point through the library and compares with `want`. */
static bool check(uint32_t cp, bool upper, const uint32_t *want, int n_want)
{
    char in[4];
    size_t len = tl_utf8_encode(cp, in);
    tl_buf b = TL_BUF_INIT;
    if (upper)
        tl_js_to_upper(in, len, &b);
    else
        tl_js_to_lower(in, len, &b);
    uint32_t got[4];
    int n = 0;
    for (size_t i = 0; i < b.len && n < 4;)
        i += tl_js_decode(b.data + i, b.len - i, &got[n++]);
    bool ok = n == n_want && memcmp(got, want, (size_t)n * sizeof *got) == 0;
    tl_buf_free(&b);
    return ok;
}

int main(void)
{
    const char *dir = getenv("TABLLM_CONFORMANCE_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/chat/cases.json", dir ? dir : ".");
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (root == NULL) {
        printf("SKIP: %s: %s (run tests/conformance/generate.sh)\n", path, err.text);
        return 77;
    }
    const json_t *table = json_object_get(root, "case_map");
    /* every code point starts as mapping to itself */
    static uint32_t up[0x110000][3], lo[0x110000][3];
    static unsigned char n_up[0x110000], n_lo[0x110000], listed[0x110000];
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        up[cp][0] = lo[cp][0] = cp;
        n_up[cp] = n_lo[cp] = 1;
    }
    size_t i;
    const json_t *line;
    json_array_foreach(table, i, line)
    {
        const char *s = json_string_value(line);
        uint32_t cp = (uint32_t)strtoul(s, NULL, 16);
        const char *u = strchr(s, ';') + 1;
        const char *l = strchr(u, ';') + 1;
        n_up[cp] = (unsigned char)parse_cps(u, up[cp], 3);
        n_lo[cp] = (unsigned char)parse_cps(l, lo[cp], 3);
        listed[cp] = 1;
    }
    size_t checked = 0, skipped = 0, failures = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        /* characters newer than utf8proc's Unicode, or mapping to one, are
         * outside what this library can know */
        bool known = assigned(cp) || !listed[cp];
        for (int k = 0; k < n_up[cp]; k++)
            known = known && (assigned(up[cp][k]) || up[cp][k] == cp);
        for (int k = 0; k < n_lo[cp]; k++)
            known = known && (assigned(lo[cp][k]) || lo[cp][k] == cp);
        if (!known || (!assigned(cp) && listed[cp])) {
            skipped++;
            continue;
        }
        checked++;
        if (!check(cp, true, up[cp], n_up[cp]) || !check(cp, false, lo[cp], n_lo[cp])) {
            if (failures++ < 20)
                printf("MISMATCH U+%04X\n", (unsigned)cp);
        }
    }
    printf("%zu code points checked, %zu newer than utf8proc %s skipped, %zu failures\n", checked,
           skipped, utf8proc_unicode_version(), failures);
    json_decref(root);
    return failures ? 1 : 0;
}
