#include "cli_lora.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_lora_add(cli_lora *l, const char *arg)
{
    if (l->n == CLI_MAX_LORA) {
        fprintf(stderr, "tabllm: --lora: at most %d adapters\n", CLI_MAX_LORA);
        return -1;
    }
    const char *eq = strrchr(arg, '=');
    size_t len = strlen(arg);
    float scale = 1.0f;
    if (eq != NULL && eq[1] != '\0') {
        char *end;
        errno = 0;
        double v = strtod(eq + 1, &end);
        if (*end == '\0' && errno == 0 && isfinite(v)) {
            scale = (float)v;
            len = (size_t)(eq - arg);
        }
    }
    if (len == 0) {
        fprintf(stderr, "tabllm: --lora needs a directory: --lora DIR[=SCALE]\n");
        return -1;
    }
    char *dir = malloc(len + 1);
    if (dir == NULL)
        return -1;
    memcpy(dir, arg, len);
    dir[len] = '\0';
    l->dir[l->n] = dir;
    l->scale[l->n++] = scale;
    return 0;
}

int cli_lora_opt(cli_lora *l, int argc, char **argv, int i)
{
    if (strcmp(argv[i], "--lora-merge") == 0) {
        l->merge = 1;
        return 1;
    }
    if (strcmp(argv[i], "--lora") != 0)
        return 0;
    if (i + 1 >= argc || cli_lora_add(l, argv[i + 1]) != 0)
        return -1;
    return 2;
}

int cli_lora_load(const cli_lora *l, tabllm_model *model, tabllm_adapter **ads)
{
    for (int i = 0; i < l->n; i++) {
        tabllm_status st = tabllm_adapter_load(model, l->dir[i], NULL, &ads[i]);
        if (st != TABLLM_OK) {
            cli_lora_unload(ads, i);
            return cli_fail(st, "--lora");
        }
    }
    return 0;
}

void cli_lora_unload(tabllm_adapter **ads, int n)
{
    for (int i = 0; i < n; i++)
        tabllm_adapter_free(ads[i]);
}

int cli_lora_attach(const cli_lora *l, tabllm_model *model, tabllm_session *session)
{
    if (l->n == 0)
        return 0;
    tabllm_adapter *ads[CLI_MAX_LORA];
    if (cli_lora_load(l, model, ads) != 0)
        return 1;
    int rc = 0;
    tabllm_status st = tabllm_session_set_adapters(session, ads, l->scale, (size_t)l->n);
    if (st == TABLLM_OK && l->merge)
        st = tabllm_session_merge_adapters(session);
    if (st != TABLLM_OK)
        rc = cli_fail(st, "--lora");
    cli_lora_unload(ads, l->n); /* the session holds its own references */
    return rc;
}

void cli_lora_free(cli_lora *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->dir[i]);
    l->n = 0;
}
