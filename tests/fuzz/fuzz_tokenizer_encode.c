/* libFuzzer target: encode and decode arbitrary bytes with each real
 * tokenizer (from TABLLM_CONFORMANCE_DATA when generated) and the small
 * hand-written ones (TABLLM_TEST_DATA). The first byte picks the tokenizer
 * and the flags. Checks: invalid UTF-8 is reported, offsets lie inside the
 * text, decode and the decode stream agree. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "fuzz_tokenizers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Loading the real tokenizers takes seconds under ASan: before the first
 * input, so that it does not count against -timeout. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_load_tokenizers();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_n_toks == 0 || size == 0)
        return 0;
    tabllm_tokenizer *t = fuzz_toks[data[0] % fuzz_n_toks];
    uint32_t flags = (data[0] >> 4) & 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    size_t cap = len * 4 + 16, n;
    tabllm_token *ids = malloc(cap * sizeof *ids);
    tabllm_token_offset *offs = malloc(cap * sizeof *offs);
    tabllm_status st = tabllm_tokenizer_encode(t, text, len, flags, ids, cap, &n, offs);
    bool valid = tl_utf8_valid_prefix(text, len) == len;
    if (!valid && st != TABLLM_ERR_INVALID_UTF8)
        abort();
    if (valid && st != TABLLM_OK)
        abort();
    if (st == TABLLM_OK) {
        for (size_t i = 0; i < n; i++)
            if (offs[i].start > offs[i].end || offs[i].end > len)
                abort();
        size_t need;
        tabllm_status d = tabllm_tokenizer_decode(t, ids, n, 0, NULL, 0, &need);
        if (d != TABLLM_ERR_BUFFER_TOO_SMALL && !(d == TABLLM_OK && need == 0))
            abort();
        char *full = malloc(need + 1);
        if (tabllm_tokenizer_decode(t, ids, n, 0, full, need + 1, &need) != TABLLM_OK)
            abort();
        tabllm_decode_stream *s;
        if (tabllm_decode_stream_new(t, 0, &s) == TABLLM_OK) {
            char *joined = malloc(need + 64), piece[4096];
            size_t at = 0;
            for (size_t i = 0; i < n; i++) {
                size_t pl;
                if (tabllm_decode_stream_step(s, ids[i], piece, sizeof piece, &pl) != TABLLM_OK)
                    break;
                if (at + pl <= need + 63) {
                    memcpy(joined + at, piece, pl);
                    at += pl;
                }
            }
            if (at > need || memcmp(joined, full, at) != 0)
                abort(); /* streamed text is a prefix of the full decode */
            free(joined);
            tabllm_decode_stream_free(s);
        }
        free(full);
    }
    free(ids);
    free(offs);
    return 0;
}
