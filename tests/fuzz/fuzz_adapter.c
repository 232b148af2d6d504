/* libFuzzer target: adapter_config.json parsing with every PEFT rule,
 * then the safetensors header and every tensor name and shape checked
 * against a tiny model; an adapter that loads is attached to a session,
 * decoded with unmerged and merged. Whatever the bytes: a status, never a
 * crash, an out-of-bounds read or a leak.
 *
 * Input: 2 bytes little-endian L, then L bytes of adapter_config.json, then
 * the adapter_model.safetensors bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../unit/model/tiny_model.h"
#include "lora/lora.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static tabllm_model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char *dir = tiny_model(NULL, NULL, NULL, NULL);
    if (tabllm_model_load(dir, NULL, &model) != TABLLM_OK)
        abort();
    tiny_remove(dir); /* the mapping stays valid after the files go */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t len = data[0] | (size_t)data[1] << 8;
    if (len > size - 2)
        len = size - 2;
    const char *config = (const char *)data + 2;
    const unsigned char *st = data + 2 + len;
    tl_adapter *a = NULL;
    if (tl_adapter_load_buffers(model, config, len, st, size - 2 - len, 0, &a) != TABLLM_OK)
        return 0;
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = 8;
    sp.n_seq_max = 2;
    tabllm_session *s = NULL;
    if (tabllm_session_new(model, &sp, &s) == TABLLM_OK) {
        tabllm_token t[4] = {1, 2, 3, 4};
        int32_t seq[4] = {0, 1, 0, 1};
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 4, .tokens = t, .seq_ids = seq};
        if (tabllm_session_set_seq_adapters(s, 1, &a, NULL, 1) == TABLLM_OK)
            tabllm_session_decode(s, &b);
        if (tabllm_session_set_adapters(s, &a, NULL, 1) == TABLLM_OK &&
            tabllm_session_merge_adapters(s) == TABLLM_OK) {
            tabllm_session_seq_clear(s, -1);
            tabllm_session_decode(s, &b);
        }
        tabllm_session_free(s);
    }
    tl_adapter_release(a);
    return 0;
}
