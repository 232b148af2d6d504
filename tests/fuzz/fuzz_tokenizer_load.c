/* libFuzzer target: tokenizer.json loading (the JSON reader, every component
 * parser), then a short encode and decode with whatever loaded. */
#include <stdint.h>
#include <stdlib.h>

#include "tabllm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tabllm_tokenizer *t;
    if (tabllm_tokenizer_from_memory((const char *)data, size, NULL, &t) != TABLLM_OK)
        return 0;
    static const char text[] = "Hello  wörld!\n\t<s>12345 héllo 😀 ab";
    tabllm_token ids[256];
    size_t n;
    if (tabllm_tokenizer_encode(t, text, sizeof text - 1, TABLLM_TOKENIZE_ADD_SPECIAL, ids, 256, &n,
                                NULL) == TABLLM_OK) {
        char out[1024];
        size_t len;
        tabllm_tokenizer_decode(t, ids, n, 0, out, sizeof out, &len);
    }
    tabllm_tokenizer_free(t);
    return 0;
}
