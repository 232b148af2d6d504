/* libFuzzer target: the chat-template lexer, parser and renderer. The input
 * is a template; it is rendered over a fixed conversation with tool calls
 * and tools, under small limits, so every loop, recursion and allocation is
 * bounded. Crashes, leaks, sanitizer reports and hangs are findings. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/alloc.h"
#include "chat/jinja.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context_json[] =
    "{\"messages\": ["
    " {\"role\": \"system\", \"content\": \"You answer from tables.\"},"
    " {\"role\": \"user\", \"content\": \"| a | b |\\n|---|---|\\n| 1 | \\u00e9 |\\n\\nSum?\"},"
    " {\"role\": \"assistant\", \"content\": null, \"reasoning_content\": \"add\","
    "  \"tool_calls\": [{\"type\": \"function\", \"function\": {\"name\": \"sum\","
    "   \"arguments\": {\"values\": [1, 2.5, -0.0], \"deep\": {\"x\": [null, true]}}}}]},"
    " {\"role\": \"tool\", \"content\": \"3.5\"},"
    " {\"role\": \"assistant\", \"content\": \"<think>\\nok\\n</think>\\n\\n3.5 \\ud83d\\ude42\"}],"
    " \"add_generation_prompt\": true, \"tools\": [{\"type\": \"function\", \"function\":"
    " {\"name\": \"sum\", \"parameters\": {\"type\": \"object\"}}}], \"documents\": null,"
    " \"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"enable_thinking\": false}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *context;
    if (context == NULL) {
        context = json_loads(context_json, JSON_DECODE_INT_AS_REAL, NULL);
        if (context == NULL)
            __builtin_trap();
    }
    tl_jinja_caps caps;
    tl_jinja_caps_default(&caps);
    caps.max_template_bytes = 64 << 10;
    caps.max_depth = 64;
    caps.max_loop_iterations = 20000;
    caps.max_output_bytes = 1 << 20;
    caps.max_memory_bytes = 64 << 20;
    tl_jinja_template *t;
    if (tl_jinja_parse((const char *)data, size, &caps, &t) != TABLLM_OK)
        return 0;
    char *out;
    size_t len;
    if (tl_jinja_render(t, context, &caps, 1721984700, &out, &len) == TABLLM_OK)
        tl_free(out);
    tl_jinja_template_free(t);
    return 0;
}
