/* Chat templates for the rest of the library (the task layer's `ask` and
 * `generate --chat`): render a tokenizer_config.json template over a
 * conversation exactly as transformers.js's apply_chat_template does. */
#ifndef TL_CHAT_CHAT_H
#define TL_CHAT_CHAT_H

#include <jansson.h>

#include "tabllm.h"

/* Renders `template_text` over `messages` (a JSON array of message objects,
 * which may carry any fields: tool_calls, reasoning_content, ...). The
 * context is built as transformers.js builds it: messages,
 * add_generation_prompt, tools and documents (null unless the params'
 * context gives them), bos_token and eos_token when non-empty, then every
 * key of params->context_json. `params` may be NULL (defaults). */
tabllm_status tl_chat_render(const char *template_text, const json_t *messages,
                             const tabllm_chat_params *params, char **out, size_t *out_len);

/* The messages of the C API as a JSON array (NULL content becomes null).
 * Fails with TABLLM_ERR_INVALID_ARGUMENT or TABLLM_ERR_INVALID_UTF8 naming the
 * message. */
tabllm_status tl_chat_messages_json(const tabllm_chat_message *messages, size_t n, json_t **out);

#endif
