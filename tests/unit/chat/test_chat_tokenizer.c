/* tabllm_chat_render() with a real tokenizer directory (Qwen3's, from the
 * tokenizer conformance data): its template, bos and eos give the prompt the
 * reference renders for the same conversation. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tabllm.h"

int main(void)
{
    const char *dir = getenv("TABLLM_CONFORMANCE_DATA");
    char tok_dir[4096], cases_path[4096];
    snprintf(tok_dir, sizeof tok_dir, "%s/tokenizer/tokenizers/qwen3", dir ? dir : ".");
    snprintf(cases_path, sizeof cases_path, "%s/chat/cases.json", dir ? dir : ".");
    json_t *root = json_load_file(cases_path, JSON_DECODE_INT_AS_REAL, NULL);
    tabllm_tokenizer *tok = NULL;
    if (root == NULL || tabllm_tokenizer_load(tok_dir, NULL, &tok) != TABLLM_OK) {
        printf("SKIP: needs %s and %s (run tests/conformance/generate.sh)\n", tok_dir, cases_path);
        json_decref(root);
        return 77;
    }
    int failures = 0;
    const char *wanted[] = {"qwen3/multi_turn/gen", "qwen3/unicode"};
    for (size_t w = 0; w < 2; w++) {
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(root, "cases"), i, c)
        {
            if (strcmp(json_string_value(json_object_get(c, "name")), wanted[w]) != 0)
                continue;
            const json_t *msgs = json_object_get(c, "messages");
            size_t n = json_array_size(msgs);
            tabllm_chat_message *m = calloc(n, sizeof *m);
            for (size_t k = 0; k < n; k++) {
                m[k].role = json_string_value(json_object_get(json_array_get(msgs, k), "role"));
                m[k].content =
                    json_string_value(json_object_get(json_array_get(msgs, k), "content"));
            }
            uint32_t flags = json_is_true(json_object_get(c, "add_generation_prompt"))
                                 ? TABLLM_CHAT_ADD_GENERATION_PROMPT
                                 : 0;
            char *out;
            size_t len;
            const json_t *want = json_object_get(json_object_get(c, "expect"), "output");
            if (tabllm_chat_render(tok, m, n, flags, &out, &len) != TABLLM_OK) {
                printf("FAIL %s: %s\n", wanted[w], tabllm_last_error());
                failures++;
            } else {
                if (len != json_string_length(want) || memcmp(out, json_string_value(want), len)) {
                    printf("FAIL %s: differs from the reference\n", wanted[w]);
                    failures++;
                }
                tabllm_free(out);
            }
            free(m);
        }
    }
    char *out = (char *)1;
    if (tabllm_chat_render(NULL, NULL, 0, 0, &out, NULL) != TABLLM_ERR_INVALID_ARGUMENT || out) {
        printf("FAIL: a NULL tokenizer\n");
        failures++;
    }
    tabllm_tokenizer_free(tok);
    json_decref(root);
    printf("%d failures\n", failures);
    return failures != 0;
}
