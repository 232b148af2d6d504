/* The public chat-template API: parameters, the render context, messages. */
#include "chat/chat.h"

#include <string.h>
#include <time.h>

#include "base/params.h"
#include "base/utf8.h"
#include "chat/jinja.h"

static const tabllm_chat_params chat_defaults = {
    .struct_size = sizeof(tabllm_chat_params),
    .flags = 0,
    .bos_token = NULL,
    .eos_token = NULL,
    .context_json = NULL,
    .now = 0,
    .max_template_bytes = (size_t)1 << 20,
    .max_depth = 256,
    .max_loop_iterations = 1000000,
    .max_output_bytes = (size_t)16 << 20,
    .max_memory_bytes = (size_t)512 << 20,
};

tabllm_status tabllm_chat_params_init(tabllm_chat_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &chat_defaults, sizeof chat_defaults,
                          "tabllm_chat_params");
}

static void caps_from_params(const tabllm_chat_params *p, tl_jinja_caps *caps)
{
    tl_jinja_caps_default(caps);
    if (p->max_template_bytes)
        caps->max_template_bytes = p->max_template_bytes;
    if (p->max_depth)
        caps->max_depth = p->max_depth;
    if (p->max_loop_iterations)
        caps->max_loop_iterations = p->max_loop_iterations;
    if (p->max_output_bytes)
        caps->max_output_bytes = p->max_output_bytes;
    if (p->max_memory_bytes)
        caps->max_memory_bytes = p->max_memory_bytes;
}

/* Parses JSON the way JavaScript's JSON.parse reads numbers (all doubles) and
 * strings (NUL allowed). */
static tabllm_status parse_json(const char *what, const char *text, json_t **out)
{
    json_error_t err;
    *out = json_loads(text, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &err);
    if (*out == NULL)
        return tl_error(TABLLM_ERR_FORMAT, "%s:%d:%d: %s", what, err.line, err.column, err.text);
    return TABLLM_OK;
}

static tabllm_status set_string(json_t *obj, const char *key, const char *value)
{
    size_t len = strlen(value);
    size_t valid = tl_utf8_valid_prefix(value, len);
    if (valid != len)
        return tl_error(TABLLM_ERR_INVALID_UTF8,
                        "chat template: %s: invalid UTF-8 at byte offset %zu", key, valid);
    if (json_object_set_new(obj, key, json_stringn(value, len)) != 0)
        return tl_error_oom("chat template context");
    return TABLLM_OK;
}

tabllm_status tl_chat_render(const char *template_text, const json_t *messages,
                             const tabllm_chat_params *params, char **out, size_t *out_len)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat template: out is NULL");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (template_text == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat template: the template is NULL");
    tabllm_chat_params p = chat_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_chat_params");
    if (st != TABLLM_OK)
        return st;
    if (p.flags & ~(uint32_t)TABLLM_CHAT_ADD_GENERATION_PROMPT)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat template: unknown flags 0x%x",
                        (unsigned)(p.flags & ~(uint32_t)TABLLM_CHAT_ADD_GENERATION_PROMPT));
    tl_jinja_caps caps;
    caps_from_params(&p, &caps);

    json_t *extra = NULL;
    if (p.context_json != NULL) {
        if ((st = parse_json("chat template context", p.context_json, &extra)) != TABLLM_OK)
            return st;
        if (!json_is_object(extra)) {
            const char *what = json_is_array(extra) ? "an array" : "a scalar";
            json_decref(extra);
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                            "chat template context: expected a JSON object, got %s", what);
        }
    }
    /* apply_chat_template's render({messages, add_generation_prompt, tools,
     * documents, ...special_tokens_map, ...kwargs}) */
    json_t *ctx = json_object();
    st = ctx ? TABLLM_OK : tl_error_oom("chat template context");
    if (st == TABLLM_OK &&
        (json_object_set(ctx, "messages", (json_t *)messages) != 0 ||
         json_object_set_new(ctx, "add_generation_prompt",
                             json_boolean(p.flags & TABLLM_CHAT_ADD_GENERATION_PROMPT)) != 0 ||
         json_object_set_new(ctx, "tools", json_null()) != 0 ||
         json_object_set_new(ctx, "documents", json_null()) != 0))
        st = tl_error_oom("chat template context");
    if (st == TABLLM_OK && p.bos_token && p.bos_token[0])
        st = set_string(ctx, "bos_token", p.bos_token);
    if (st == TABLLM_OK && p.eos_token && p.eos_token[0])
        st = set_string(ctx, "eos_token", p.eos_token);
    if (st == TABLLM_OK && extra && json_object_update(ctx, extra) != 0)
        st = tl_error_oom("chat template context");

    tl_jinja_template *t = NULL;
    if (st == TABLLM_OK)
        st = tl_jinja_parse(template_text, strlen(template_text), &caps, &t);
    if (st == TABLLM_OK) {
        int64_t now = p.now ? p.now : (int64_t)time(NULL);
        st = tl_jinja_render(t, ctx, &caps, now, out, out_len);
    }
    tl_jinja_template_free(t);
    json_decref(ctx);
    json_decref(extra);
    return st;
}

tabllm_status tl_chat_messages_json(const tabllm_chat_message *messages, size_t n, json_t **out)
{
    *out = NULL;
    if (messages == NULL && n > 0)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat messages: NULL array of %zu messages",
                        n);
    json_t *arr = json_array();
    if (arr == NULL)
        return tl_error_oom("chat messages");
    for (size_t i = 0; i < n; i++) {
        const tabllm_chat_message *m = &messages[i];
        if (m->role == NULL) {
            json_decref(arr);
            return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat messages[%zu]: role is NULL", i);
        }
        json_t *obj = json_object();
        tabllm_status st = obj ? TABLLM_OK : tl_error_oom("chat messages");
        if (st == TABLLM_OK && json_array_append_new(arr, obj) != 0)
            st = tl_error_oom("chat messages");
        if (st == TABLLM_OK)
            st = set_string(obj, "role", m->role);
        if (st == TABLLM_OK) {
            if (m->content == NULL) {
                if (json_object_set_new(obj, "content", json_null()) != 0)
                    st = tl_error_oom("chat messages");
            } else {
                st = set_string(obj, "content", m->content);
            }
        }
        if (st != TABLLM_OK) {
            tl_error_prefix("chat messages[%zu]", i);
            json_decref(arr);
            return st;
        }
    }
    *out = arr;
    return TABLLM_OK;
}

tabllm_status tabllm_chat_template_render(const char *template_text,
                                          const tabllm_chat_message *messages, size_t n_messages,
                                          const tabllm_chat_params *params, char **out,
                                          size_t *out_len)
{
    if (out)
        *out = NULL;
    json_t *arr;
    tabllm_status st = tl_chat_messages_json(messages, n_messages, &arr);
    if (st != TABLLM_OK)
        return st;
    st = tl_chat_render(template_text, arr, params, out, out_len);
    json_decref(arr);
    return st;
}

tabllm_status tabllm_chat_template_render_json(const char *template_text, const char *messages_json,
                                               const tabllm_chat_params *params, char **out,
                                               size_t *out_len)
{
    if (out)
        *out = NULL;
    if (messages_json == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat messages: the JSON text is NULL");
    json_t *arr;
    tabllm_status st = parse_json("chat messages", messages_json, &arr);
    if (st != TABLLM_OK)
        return st;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "chat messages: expected a JSON array");
    }
    st = tl_chat_render(template_text, arr, params, out, out_len);
    json_decref(arr);
    return st;
}
