/* libFuzzer target: the HTML table reader (and encoders on what it reads). */
#include "fuzz_table_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_table(data, size, TABLLM_TABLE_FORMAT_HTML);
    return 0;
}
