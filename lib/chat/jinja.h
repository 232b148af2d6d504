/* The Jinja interpreter behind chat templates: parse once, render many times.
 *
 * It implements the language exactly as @huggingface/jinja (the renderer
 * transformers.js uses) does, so that a prompt rendered here is byte for byte
 * the prompt the model's authors' tooling renders. docs/chat-templates.md
 * lists the supported subset. The task layer uses this header directly. */
#ifndef TL_CHAT_JINJA_H
#define TL_CHAT_JINJA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "chat/ast.h"

/* Bounds on what a template may make the renderer do. */
typedef struct tl_jinja_caps {
    size_t max_template_bytes; /* default 1 MiB */
    size_t max_depth;          /* nesting of syntax and of evaluation (macros); default 256 */
    uint64_t
        max_loop_iterations; /* all loop iterations and range() items of a render; default 1e6 */
    size_t max_output_bytes; /* the output and every string built on the way; default 16 MiB */
    size_t max_memory_bytes; /* values created by one render; default 512 MiB */
} tl_jinja_caps;

void tl_jinja_caps_default(tl_jinja_caps *caps);

typedef struct tl_jinja_template {
    tl_arena arena;  /* every node and token text */
    const char *src; /* a copy of the template, for line:column */
    size_t src_len;
    tl_jnode **body;
    size_t n_body;
} tl_jinja_template;

/* Parses a template (UTF-8, `len` bytes). Errors: TABLLM_ERR_FORMAT (syntax,
 * "chat template:LINE:COL: ..."), TABLLM_ERR_UNSUPPORTED (a Jinja statement
 * this subset lacks), TABLLM_ERR_INVALID_UTF8, TABLLM_ERR_LIMIT_EXCEEDED. */
tabllm_status tl_jinja_parse(const char *text, size_t len, const tl_jinja_caps *caps,
                             tl_jinja_template **out);
void tl_jinja_template_free(tl_jinja_template *t);

/* Renders with the variables of `context` (a JSON object: messages,
 * add_generation_prompt, bos_token, ...). `now` is the time strftime_now()
 * formats, as seconds since the epoch, in local time (pass time(NULL) for
 * the reference's behaviour). The output may contain NUL bytes only if the
 * template writes "\x00". Errors: TABLLM_ERR_INVALID_ARGUMENT (the template
 * raised, or failed on these inputs, with line:column),
 * TABLLM_ERR_UNSUPPORTED (a filter, test or method the subset lacks),
 * TABLLM_ERR_LIMIT_EXCEEDED, TABLLM_ERR_OUT_OF_MEMORY. */
tabllm_status tl_jinja_render(const tl_jinja_template *t, const json_t *context,
                              const tl_jinja_caps *caps, int64_t now, char **out, size_t *out_len);

/* "chat template:LINE:COL: <message>" with the given status. */
tabllm_status tl_jinja_error_at(const char *src, size_t src_len, size_t pos, tabllm_status status,
                                const char *fmt, ...) TL_PRINTF(5, 6);

#endif
