/* The task layer's shared internals: generation, row prediction and table
 * QA compose the table, tokenizer and model modules through their public
 * API (plus the session's internals where a loop needs them). */
#ifndef TL_TASK_TASK_H
#define TL_TASK_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Decodes ids onto sequence `seq` in chunks of at most max_batch (0 = 512),
 * logits for the last id only. */
tabllm_status tl_task_decode_ids(tabllm_session *s, int32_t seq, const tabllm_token *ids,
                                 size_t n, uint32_t max_batch);

/* Tokenizes text into a new array (free with tl_free). */
tabllm_status tl_task_tokenize(const tabllm_tokenizer *tok, const char *text, size_t len,
                               uint32_t flags, tabllm_token **ids, size_t *n);

/* Sets `n` adapters (scales NULL = 1 each) on every sequence of a task's
 * session and, with `merge`, merges them; n = 0 does nothing. `fn` names
 * the caller in messages. */
tabllm_status tl_task_set_adapters(tabllm_session *s, tabllm_adapter *const *adapters,
                                   const float *scales, size_t n, bool merge, const char *fn);

#endif
