#include "base/params.h"

#include <string.h>

static tabllm_status check_size(size_t size, size_t full_size, const char *type_name)
{
    if (size < sizeof(size_t))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "%s: struct_size %zu is too small (forgot tabllm_..._params_init?)",
                        type_name, size);
    if (size > full_size)
        return tl_error(TABLLM_ERR_ABI_MISMATCH,
                        "%s: struct_size %zu is larger than this library's %zu bytes: the "
                        "program was built against a newer tabllm.h than the library it runs with",
                        type_name, size, full_size);
    return TABLLM_OK;
}

tabllm_status tl_params_init(void *p, size_t size, const void *defaults, size_t full_size,
                             const char *type_name)
{
    if (p == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "%s: params pointer is NULL", type_name);
    tabllm_status st = check_size(size, full_size, type_name);
    if (st != TABLLM_OK)
        return st;
    memcpy(p, defaults, size);
    memcpy(p, &size, sizeof size);
    return TABLLM_OK;
}

tabllm_status tl_params_read(void *dst, size_t full_size, const void *src, const char *type_name)
{
    if (src == NULL)
        return TABLLM_OK;
    size_t size;
    memcpy(&size, src, sizeof size);
    tabllm_status st = check_size(size, full_size, type_name);
    if (st != TABLLM_OK)
        return st;
    memcpy(dst, src, size);
    memcpy(dst, &full_size, sizeof full_size);
    return TABLLM_OK;
}
