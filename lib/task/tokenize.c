/* Tokenizing into arrays sized by a first call. */
#include "base/alloc.h"
#include "task/task.h"

tabllm_status tl_task_tokenize(const tabllm_tokenizer *tok, const char *text, size_t len,
                               uint32_t flags, tabllm_token **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    size_t need = 0;
    tabllm_status st = tabllm_tokenizer_encode(tok, text, len, flags, NULL, 0, &need, NULL);
    if (st != TABLLM_OK && st != TABLLM_ERR_BUFFER_TOO_SMALL)
        return st;
    tabllm_token *out;
    if ((st = tl_alloc_array((void **)&out, need ? need : 1, sizeof *out, "token ids")))
        return st;
    if ((st = tabllm_tokenizer_encode(tok, text, len, flags, out, need, n, NULL)) != TABLLM_OK) {
        tl_free(out);
        return st;
    }
    *ids = out;
    return TABLLM_OK;
}
