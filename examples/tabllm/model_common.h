/* Options shared by the model subcommands (logits, bench, generate, embed). */
#ifndef TABLLM_CLI_MODEL_COMMON_H
#define TABLLM_CLI_MODEL_COMMON_H

#include "cli_lora.h"
#include "tabllm.h"

typedef struct cli_model_opts {
    const char *model;
    cli_lora lora; /* --lora DIR[=SCALE] ..., --lora-merge */
    int threads;
    uint32_t weights; /* tabllm_weight_format */
} cli_model_opts;

void cli_model_opts_init(cli_model_opts *o);

/* Consumes a shared option at argv[i]: returns how many arguments it used,
 * 0 when argv[i] is not one of them, -1 when its value is missing. */
int cli_model_opt(cli_model_opts *o, int argc, char **argv, int i);

/* "1,2,3" -> ids (malloc'd). 0 on success. */
int cli_parse_ids(const char *text, tabllm_token **ids, size_t *n);

/* Loads the model with --weights, OpenBLAS set to one thread; prints the
 * library's message and returns nonzero on failure. */
int cli_load_model(const cli_model_opts *o, tabllm_model **model);

/* For the task commands, whose calls make their own sessions: loads the
 * tokenizer, the model and the --lora adapters (into adapters[0 ..
 * o->lora.n), freed with cli_lora_unload). Nonzero, with nothing left
 * loaded, on failure. */
int cli_load_task_model(const cli_model_opts *o, tabllm_tokenizer **tok, tabllm_model **model,
                        tabllm_adapter **adapters);

/* Loads the model and makes a session with room for n_ctx tokens in each of
 * n_seq sequences, with the --lora adapters attached; prints the library's
 * message and returns nonzero on failure. Sets OpenBLAS to one thread so
 * --threads is the whole story. */
int cli_open_model(const cli_model_opts *o, uint32_t n_ctx, uint32_t n_seq, tabllm_model **model,
                   tabllm_session **session);

/* Frees what the options hold (the --lora list). */
void cli_model_opts_free(cli_model_opts *o);

#endif
