/* The public face of an adapter: parameters, load, free, getters. */
#include <string.h>

#include "base/params.h"
#include "lora/lora.h"

static const tabllm_adapter_params adapter_defaults = {
    .struct_size = sizeof(tabllm_adapter_params),
    .flags = 0,
};

tabllm_status tabllm_adapter_params_init(tabllm_adapter_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &adapter_defaults, sizeof adapter_defaults,
                          "tabllm_adapter_params");
}

tabllm_status tabllm_adapter_load(tabllm_model *model, const char *dir,
                                  const tabllm_adapter_params *params, tabllm_adapter **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_adapter_load: out is NULL");
    *out = NULL;
    if (model == NULL || dir == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_adapter_load: %s is NULL",
                        model == NULL ? "model" : "dir");
    tabllm_adapter_params p = adapter_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_adapter_params");
    if (st != TABLLM_OK)
        return st;
    const uint32_t known = TABLLM_ADAPTER_CHECK_FINITE | TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS;
    if (p.flags & ~known)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "unknown adapter flags 0x%x", p.flags);
    st = tl_adapter_load(model, dir, p.flags, out);
    if (st != TABLLM_OK)
        tl_error_prefix("%s", dir);
    return st;
}

void tabllm_adapter_free(tabllm_adapter *adapter)
{
    tl_adapter_release(adapter);
}

const tabllm_model *tabllm_adapter_model(const tabllm_adapter *a)
{
    return a ? a->model : NULL;
}

int32_t tabllm_adapter_rank(const tabllm_adapter *a)
{
    return a ? (int32_t)a->r : 0;
}

double tabllm_adapter_alpha(const tabllm_adapter *a)
{
    return a ? a->alpha : 0;
}

uint32_t tabllm_adapter_features(const tabllm_adapter *a)
{
    return a ? a->features : 0;
}

size_t tabllm_adapter_n_targets(const tabllm_adapter *a)
{
    return a ? a->n_info : 0;
}

tabllm_status tabllm_adapter_target(const tabllm_adapter *a, size_t index,
                                    tabllm_adapter_target_info *info)
{
    if (a == NULL || info == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_adapter_target: NULL argument");
    if (index >= a->n_info)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_adapter_target: index %zu is outside the adapter's %zu targets",
                        index, a->n_info);
    const tl_lora_info *e = &a->info[index];
    tabllm_adapter_target_info v = {
        .struct_size = sizeof v,
        .module = e->name,
        .layer = e->layer,
        .rank = e->rank,
        .alpha = e->alpha,
        .scaling = e->scaling,
        .kind = (uint32_t)e->kind,
    };
    /* an older caller's struct gets the fields it knows */
    size_t size = info->struct_size;
    if (size > sizeof v)
        return tl_error(TABLLM_ERR_ABI_MISMATCH,
                        "tabllm_adapter_target_info: struct_size %zu is larger than this "
                        "library's %zu",
                        size, sizeof v);
    if (size < sizeof(size_t))
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT,
                        "tabllm_adapter_target_info: struct_size %zu is too small", size);
    v.struct_size = size;
    memcpy(info, &v, size);
    return TABLLM_OK;
}
