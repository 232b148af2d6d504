/* libFuzzer target: the JSON layer (jansson plus our error reporting). */
#include <stddef.h>
#include <stdint.h>

#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root;
    if (tl_json_parse("fuzz.json", (const char *)data, size, TL_JSON_REJECT_DUPLICATES, &root) ==
        TABLLM_OK) {
        int64_t i;
        double d;
        const char *s;
        bool b;
        tl_json_opt_int("fuzz.json", root, "a", 0, &i);
        tl_json_opt_number("fuzz.json", root, "b", 0, &d);
        tl_json_opt_string("fuzz.json", root, "c", NULL, &s);
        tl_json_opt_bool("fuzz.json", root, "d", false, &b);
        json_decref(root);
    }
    return 0;
}
