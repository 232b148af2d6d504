#include "model_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_model_opts_init(cli_model_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->weights = TABLLM_WEIGHTS_AUTO;
}

int cli_model_opt(cli_model_opts *o, int argc, char **argv, int i)
{
    const char *a = argv[i];
    if (strcmp(a, "--model") != 0 && strcmp(a, "--lora") != 0 && strcmp(a, "--threads") != 0 &&
        strcmp(a, "--weights") != 0)
        return 0;
    if (i + 1 >= argc)
        return -1;
    const char *v = argv[i + 1];
    if (strcmp(a, "--model") == 0) {
        o->model = v;
    } else if (strcmp(a, "--lora") == 0) {
        o->n_lora++;
    } else if (strcmp(a, "--threads") == 0) {
        o->threads = atoi(v);
    } else {
        static const char *names[] = {"auto", "f32", "bf16", "f16"};
        o->weights = 99;
        for (uint32_t k = 0; k < 4; k++)
            if (strcmp(v, names[k]) == 0)
                o->weights = k;
    }
    return 2;
}

int cli_parse_ids(const char *text, tabllm_token **ids, size_t *n)
{
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == ',';
    *ids = malloc(cap * sizeof **ids);
    *n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < -2147483647L || v > 2147483647L ||
            (*end != ',' && *end != '\0')) {
            free(*ids);
            *ids = NULL;
            return -1;
        }
        (*ids)[(*n)++] = (tabllm_token)v;
        p = *end == ',' ? end + 1 : end;
    }
    if (*n == 0) {
        free(*ids);
        *ids = NULL;
        return -1;
    }
    return 0;
}

int cli_open_model(const cli_model_opts *o, uint32_t n_ctx, uint32_t n_seq, tabllm_model **model,
                   tabllm_session **session)
{
    *model = NULL;
    *session = NULL;
    if (o->n_lora > 0) {
        fprintf(stderr, "tabllm: --lora: LoRA adapters are not available in this build yet\n");
        return 1;
    }
    if (o->weights > TABLLM_WEIGHTS_F16) {
        fprintf(stderr, "tabllm: --weights must be auto, f32, bf16 or f16\n");
        return 2;
    }
    tabllm_set_blas_threads(1, NULL);
    tabllm_model_params mp;
    tabllm_model_params_init(&mp, sizeof mp);
    mp.weight_format = o->weights;
    tabllm_status st = tabllm_model_load(o->model, &mp, model);
    if (st != TABLLM_OK)
        return cli_fail(st, o->model);
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = n_ctx;
    sp.n_seq_max = n_seq;
    sp.n_threads = o->threads > 0 ? (uint32_t)o->threads : 0;
    st = tabllm_session_new(*model, &sp, session);
    if (st != TABLLM_OK) {
        tabllm_model_free(*model);
        *model = NULL;
        return cli_fail(st, "session");
    }
    return 0;
}
