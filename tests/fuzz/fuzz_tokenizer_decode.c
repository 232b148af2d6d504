/* libFuzzer target: decoding arbitrary ids (negative, past the vocabulary,
 * special, byte-fallback pieces cut in the middle of a character) with each
 * real tokenizer. The first byte picks the tokenizer and the flags; every 4
 * following bytes are one id, taken modulo a little more than the vocabulary
 * when the first byte's top bit is clear so that most ids are real. Checks:
 * an id outside the vocabulary is refused by name, decoded text is valid
 * UTF-8 and as long as the size query said, each streamed piece is valid
 * UTF-8, id_to_token agrees with decode's verdict. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "fuzz_tokenizers.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loading the real tokenizers takes seconds under ASan: before the first
 * input, so that it does not count against -timeout. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_load_tokenizers();
    return 0;
}

static bool valid_utf8(const char *s, size_t len)
{
    return tl_utf8_valid_prefix(s, len) == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_n_toks == 0 || size == 0)
        return 0;
    tabllm_tokenizer *t = fuzz_toks[data[0] % fuzz_n_toks];
    uint32_t flags = (data[0] >> 4) & 1 ? TABLLM_DECODE_SKIP_SPECIAL : 0;
    bool raw = data[0] & 0x80;
    size_t n = (size - 1) / 4, vocab = tabllm_tokenizer_vocab_size(t);
    tabllm_token *ids = malloc((n ? n : 1) * sizeof *ids);
    bool all_known = true;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, data + 1 + 4 * i, 4);
        ids[i] = raw ? (tabllm_token)u : (tabllm_token)(u % (vocab + 8));
        if (tabllm_tokenizer_id_to_token(t, ids[i]) == NULL)
            all_known = false;
    }
    size_t need = 0;
    tabllm_status st = tabllm_tokenizer_decode(t, ids, n, flags, NULL, 0, &need);
    if (!all_known) {
        if (st != TABLLM_ERR_INVALID_ARGUMENT)
            abort();
    } else if (st != TABLLM_ERR_BUFFER_TOO_SMALL && !(st == TABLLM_OK && need == 0)) {
        abort();
    }
    if (all_known) {
        char *full = malloc(need + 1);
        size_t len;
        if (tabllm_tokenizer_decode(t, ids, n, flags, full, need + 1, &len) != TABLLM_OK ||
            len != need || full[len] != '\0' || !valid_utf8(full, len))
            abort();
        tabllm_decode_stream *s;
        if (tabllm_decode_stream_new(t, flags, &s) != TABLLM_OK)
            abort();
        /* Arbitrary ids may decode differently alone and in a stream (a
         * stream holds back an unfinished character that the full decode
         * replaces with U+FFFD), so each piece is only checked to be whole
         * UTF-8; the exact prefix check lives in the encode target. */
        for (size_t i = 0; i < n; i++) {
            char piece[256], *p = piece;
            size_t pl;
            tabllm_status ps = tabllm_decode_stream_step(s, ids[i], piece, sizeof piece, &pl);
            if (ps == TABLLM_ERR_BUFFER_TOO_SMALL) { /* not consumed: again, with room */
                p = malloc(pl + 1);
                ps = tabllm_decode_stream_step(s, ids[i], p, pl + 1, &pl);
            }
            if (p != piece && ps != TABLLM_OK)
                free(p);
            if (ps == TABLLM_ERR_INVALID_UTF8)
                break; /* byte tokens that form no character: the stream ends */
            if (ps != TABLLM_OK || !valid_utf8(p, pl) || p[pl] != '\0')
                abort();
            if (p != piece)
                free(p);
        }
        tabllm_decode_stream_free(s);
        free(full);
    }
    for (size_t i = 0; i < n; i++)
        (void)tabllm_tokenizer_is_special(t, ids[i]);
    free(ids);
    return 0;
}
