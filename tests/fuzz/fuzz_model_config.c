/* libFuzzer target: config.json parsing (architectures, dimensions, rope
 * variants, sliding windows, token ids) and the RoPE tables it leads to. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tl_model_config c;
    if (tl_config_parse("config.json", (const char *)data, size, &c) == TABLLM_OK) {
        float *inv = malloc(sizeof(float) * (size_t)(c.head_dim / 2 + 1)), m;
        tl_rope_inv_freq(&c.rope, c.n_ctx_train * 2LL, inv, &m);
        free(inv);
    }
    return 0;
}
