/* --lora DIR[=SCALE] (repeatable) and --lora-merge for any subcommand that
 * runs a model: parse the options, then load the adapters and attach them
 * to a session. */
#ifndef TABLLM_CLI_LORA_H
#define TABLLM_CLI_LORA_H

#include "tabllm.h"

#define CLI_MAX_LORA 16

typedef struct cli_lora {
    char *dir[CLI_MAX_LORA]; /* malloc'd */
    float scale[CLI_MAX_LORA];
    int n;
    int merge; /* --lora-merge: merge into session-private weights */
} cli_lora;

/* Adds one --lora value: "DIR" (scale 1) or "DIR=SCALE", where the text
 * after the last '=' must be a finite number to count as a scale (so a
 * directory whose name contains '=' still works). 0 on success, -1 with
 * a message on stderr. */
int cli_lora_add(cli_lora *l, const char *arg);

/* Consumes --lora VALUE or --lora-merge at argv[i]: returns the number of
 * arguments used, 0 when argv[i] is neither, -1 on a bad or missing value. */
int cli_lora_opt(cli_lora *l, int argc, char **argv, int i);

/* Loads every adapter for `model` into ads[0 .. l->n) (for calls that take
 * adapters, such as tabllm_predict()). Prints the library's message and
 * returns nonzero on failure, with nothing left loaded. */
int cli_lora_load(const cli_lora *l, tabllm_model *model, tabllm_adapter **ads);

/* Frees the n adapters cli_lora_load() loaded. */
void cli_lora_unload(tabllm_adapter **ads, int n);

/* Loads every adapter for `model`, sets them on all sequences of the
 * session with their scales, and merges them with --lora-merge. The
 * session keeps the adapters alive. Prints the library's message and
 * returns nonzero on failure. */
int cli_lora_attach(const cli_lora *l, tabllm_model *model, tabllm_session *session);

void cli_lora_free(cli_lora *l);

#endif
