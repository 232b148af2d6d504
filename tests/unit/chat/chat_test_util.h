/* Helpers shared by the chat-template unit tests. */
#ifndef CHAT_TEST_UTIL_H
#define CHAT_TEST_UTIL_H

#include "../../common/test_util.h"

/* Renders `tmpl` over one user message "Hi" with `context` (JSON or NULL)
 * and bos/eos "<s>"/"</s>". *out is freed by the next call. */
static inline tabllm_status render_ctx(const char *tmpl, const char *context, char **out)
{
    static char *last;
    tabllm_free(last);
    last = NULL;
    tabllm_chat_params p;
    tabllm_chat_params_init(&p, sizeof p);
    p.bos_token = "<s>";
    p.eos_token = "</s>";
    p.context_json = context;
    p.now = 1721984700; /* 2024-07-26 09:05 UTC */
    tabllm_chat_message m = {"user", "Hi"};
    tabllm_status st = tabllm_chat_template_render(tmpl, &m, 1, &p, &last, NULL);
    *out = last;
    return st;
}

/* Asserts that `tmpl` renders to `want`. */
#define assert_renders(tmpl, context, want)                                                        \
    do {                                                                                           \
        char *out_;                                                                                \
        assert_ok(render_ctx((tmpl), (context), &out_));                                           \
        assert_string_equal(out_, (want));                                                         \
    } while (0)

/* Asserts that `tmpl` fails with `status` and a message containing `fragment`. */
#define assert_render_fails(tmpl, context, status, fragment)                                       \
    do {                                                                                           \
        char *out_;                                                                                \
        assert_status(render_ctx((tmpl), (context), &out_), (status), (fragment));                 \
        assert_null(out_);                                                                         \
    } while (0)

#endif
