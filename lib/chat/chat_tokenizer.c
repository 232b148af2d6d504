/* tabllm_chat_render(): a tokenizer's own chat template, bos and eos tokens
 * (read from its tokenizer_config.json by the tokenizer module). Built only
 * when the tokenizer module is. */
#include "chat/chat.h"
#include "tokenizer/tokenizer.h"

tabllm_status tabllm_chat_render(const struct tabllm_tokenizer *tokenizer,
                                 const tabllm_chat_message *messages, size_t n_messages,
                                 uint32_t flags, char **out, size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (tokenizer == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat template: the tokenizer is NULL");
    const char *tmpl = tl_tokenizer_chat_template(tokenizer);
    if (tmpl == NULL)
        return tl_error(TABLLM_ERR_NOT_FOUND,
                        "chat template: the tokenizer has none (tokenizer_config.json has no "
                        "chat_template, or none named \"default\")");
    tabllm_chat_params p;
    tabllm_status st = tabllm_chat_params_init(&p, sizeof p);
    if (st != TABLLM_OK)
        return st;
    p.flags = flags;
    p.bos_token = tl_tokenizer_bos_text(tokenizer);
    p.eos_token = tl_tokenizer_eos_text(tokenizer);
    json_t *arr;
    if ((st = tl_chat_messages_json(messages, n_messages, &arr)) != TABLLM_OK)
        return st;
    st = tl_chat_render(tmpl, arr, &p, out, out_len);
    json_decref(arr);
    return st;
}
