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

void cli_model_opts_free(cli_model_opts *o)
{
    cli_lora_free(&o->lora);
}

int cli_model_opt(cli_model_opts *o, int argc, char **argv, int i)
{
    const char *a = argv[i];
    int used = cli_lora_opt(&o->lora, argc, argv, i);
    if (used != 0)
        return used;
    if (strcmp(a, "--model") != 0 && strcmp(a, "--threads") != 0 && strcmp(a, "--weights") != 0)
        return 0;
    if (i + 1 >= argc)
        return -1;
    const char *v = argv[i + 1];
    if (strcmp(a, "--model") == 0) {
        o->model = v;
    } else if (strcmp(a, "--threads") == 0) {
        o->threads = atoi(v);
    } else {
        static const char *names[] = {"auto", "f32", "bf16", "f16", "int8"};
        o->weights = 99;
        for (uint32_t k = 0; k < 5; k++)
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

int cli_load_model(const cli_model_opts *o, tabllm_model **model)
{
    *model = NULL;
    if (o->weights > TABLLM_WEIGHTS_INT8) {
        fprintf(stderr, "tabllm: --weights must be auto, f32, bf16, f16 or int8\n");
        return 2;
    }
    tabllm_set_blas_threads(1, NULL);
    tabllm_model_params mp;
    tabllm_model_params_init(&mp, sizeof mp);
    mp.weight_format = o->weights;
    tabllm_status st = tabllm_model_load(o->model, &mp, model);
    return st == TABLLM_OK ? 0 : cli_fail(st, o->model);
}

int cli_load_task_model(const cli_model_opts *o, tabllm_tokenizer **tok, tabllm_model **model,
                        tabllm_adapter **adapters)
{
    *model = NULL;
    tabllm_status st = tabllm_tokenizer_load(o->model, NULL, tok);
    if (st != TABLLM_OK)
        return cli_fail(st, "tokenizer");
    int rc = cli_load_model(o, model);
    if (rc == 0 && (rc = cli_lora_load(&o->lora, *model, adapters)) != 0) {
        tabllm_model_free(*model);
        *model = NULL;
    }
    if (rc != 0) {
        tabllm_tokenizer_free(*tok);
        *tok = NULL;
    }
    return rc;
}

int cli_open_model(const cli_model_opts *o, uint32_t n_ctx, uint32_t n_seq, tabllm_model **model,
                   tabllm_session **session)
{
    *session = NULL;
    int rc = cli_load_model(o, model);
    if (rc != 0)
        return rc;
    tabllm_status st;
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
    rc = cli_lora_attach(&o->lora, *model, *session);
    if (rc != 0) {
        tabllm_session_free(*session);
        tabllm_model_free(*model);
        *session = NULL;
        *model = NULL;
    }
    return rc;
}
