#include "tabllm.h"

const char *tabllm_version(void)
{
    return TABLLM_VERSION_STRING;
}

uint32_t tabllm_version_number(void)
{
    return TABLLM_VERSION_NUMBER;
}

uint32_t tabllm_abi_version(void)
{
    return TABLLM_ABI_VERSION;
}
