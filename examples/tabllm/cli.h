/* The tabllm command-line tool: shared declarations for its subcommands.
 * Each subcommand lives in its own cmd_*.c file and is listed in main.c. */
#ifndef TABLLM_CLI_H
#define TABLLM_CLI_H

#include <stdio.h>

#include "tabllm.h"

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `tabllm help` */
    const char *usage;   /* full usage text for `tabllm help NAME` */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} cli_command;

/* The subcommands, each in its cmd_<name>.c; listed in main.c. */
extern const cli_command cli_cmd_encode;
extern const cli_command cli_cmd_chat_template;

/* Prints "tabllm: <context>: <library message>" to stderr and returns the
 * exit status for a failed library call (1). */
int cli_fail(tabllm_status status, const char *context);

/* Prints a usage error for `command` to stderr and returns 2. */
int cli_usage_error(const cli_command *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

extern const cli_command cli_cmd_logits;
extern const cli_command cli_cmd_bench;
/* The subcommands, each in its cmd_<name>.c. */
extern const cli_command cli_cmd_tokenize;

/* Looks a subcommand up by name; NULL when there is none. */
const cli_command *cli_find_command(const char *name);

#endif
