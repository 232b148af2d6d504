/* The public face of a loaded model: parameters, load, free, getters. */
#include <cblas.h>

#include "base/params.h"
#include "model/model.h"

static const tabllm_model_params model_defaults = {
    .struct_size = sizeof(tabllm_model_params),
    .weight_format = TABLLM_WEIGHTS_AUTO,
    .flags = 0,
};

tabllm_status tabllm_model_params_init(tabllm_model_params *params, size_t struct_size)
{
    return tl_params_init(params, struct_size, &model_defaults, sizeof model_defaults,
                          "tabllm_model_params");
}

tabllm_status tabllm_model_load(const char *dir, const tabllm_model_params *params,
                                tabllm_model **out)
{
    if (out == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_model_load: out is NULL");
    *out = NULL;
    if (dir == NULL)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "tabllm_model_load: dir is NULL");
    tabllm_model_params p = model_defaults;
    tabllm_status st = tl_params_read(&p, sizeof p, params, "tabllm_model_params");
    if (st != TABLLM_OK)
        return st;
    return tl_model_load(dir, p.weight_format, p.flags, out);
}

void tabllm_model_free(tabllm_model *model)
{
    tl_model_release(model);
}

const char *tabllm_model_architecture(const tabllm_model *m)
{
    return m ? m->cfg.arch_name : "";
}

int32_t tabllm_model_n_vocab(const tabllm_model *m)
{
    return m ? m->cfg.n_vocab : 0;
}

int32_t tabllm_model_n_embd(const tabllm_model *m)
{
    return m ? m->cfg.n_embd : 0;
}

int32_t tabllm_model_n_layers(const tabllm_model *m)
{
    return m ? m->cfg.n_layers : 0;
}

int32_t tabllm_model_n_heads(const tabllm_model *m)
{
    return m ? m->cfg.n_heads : 0;
}

int32_t tabllm_model_n_kv_heads(const tabllm_model *m)
{
    return m ? m->cfg.n_kv_heads : 0;
}

int32_t tabllm_model_head_dim(const tabllm_model *m)
{
    return m ? m->cfg.head_dim : 0;
}

int32_t tabllm_model_n_ctx_train(const tabllm_model *m)
{
    return m ? m->cfg.n_ctx_train : 0;
}

tabllm_token tabllm_model_bos(const tabllm_model *m)
{
    return m ? m->cfg.bos : -1;
}

const tabllm_token *tabllm_model_eos(const tabllm_model *m, size_t *n)
{
    if (n)
        *n = m ? (size_t)m->cfg.n_eos : 0;
    return m ? m->cfg.eos : NULL;
}

uint64_t tabllm_model_weight_bytes(const tabllm_model *m)
{
    return m ? m->weight_bytes : 0;
}

tabllm_status tabllm_set_blas_threads(int32_t n_threads, int32_t *previous)
{
    if (n_threads < 1 || n_threads > 1024)
        return tl_error(TABLLM_ERR_INVALID_ARGUMENT, "BLAS thread count %d is outside [1, 1024]",
                        n_threads);
    if (previous)
        *previous = openblas_get_num_threads();
    openblas_set_num_threads(n_threads);
    return TABLLM_OK;
}
