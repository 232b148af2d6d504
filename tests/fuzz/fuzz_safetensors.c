/* libFuzzer target: the safetensors header validator. Whatever the bytes,
 * it must return a status, never read outside the buffer, never leak. */
#include <stddef.h>
#include <stdint.h>

#include "model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tl_st_file f;
    if (tl_st_parse("fuzz.safetensors", data, size, &f) == TABLLM_OK) {
        /* every tensor must lie inside the buffer */
        for (size_t i = 0; i < f.n_tensors; i++)
            if (f.tensors[i].data < data || f.tensors[i].data + f.tensors[i].nbytes > data + size)
                __builtin_trap();
        tl_st_close(&f);
    }
    return 0;
}
