/* tabllm: the command-line face of libtabllm. Every subcommand is a thin
 * layer over the public API; when a call fails it prints the library's
 * message and exits non-zero. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int run_help(int argc, char **argv);

static const cli_command cli_cmd_help = {
    "help", "show the commands, or one command's usage", "tabllm help [COMMAND]", run_help};

/* One line per subcommand (each defined in its cmd_*.c file). */
static const cli_command *const commands[] = {
    &cli_cmd_help,
    &cli_cmd_encode,
    &cli_cmd_chat_template,
    &cli_cmd_logits,
    &cli_cmd_bench,
    &cli_cmd_tokenize,
};

static const size_t n_commands = sizeof commands / sizeof commands[0];

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int cli_fail(tabllm_status status, const char *context)
{
    const char *message = tabllm_last_error();
    if (message[0] == '\0')
        message = tabllm_status_string(status);
    fprintf(stderr, "tabllm: %s: %s\n", context, message);
    return 1;
}

int cli_usage_error(const cli_command *command, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tabllm %s: ", command->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n", command->usage);
    return 2;
}

static void print_overview(FILE *out)
{
    fprintf(out, "usage: tabllm COMMAND [ARGS]\n       tabllm --version\n\ncommands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(out, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n`tabllm help COMMAND` shows a command's options.\n");
}

static int run_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    const cli_command *command = cli_find_command(argv[1]);
    if (command == NULL) {
        fprintf(stderr, "tabllm help: no command named '%s'\n", argv[1]);
        return 2;
    }
    printf("usage: %s\n\n%s\n", command->usage, command->summary);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("tabllm %s (ABI %u)\n", tabllm_version(), (unsigned)tabllm_abi_version());
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return 0;
    }
    const cli_command *command = cli_find_command(argv[1]);
    if (command == NULL) {
        fprintf(stderr, "tabllm: unknown command '%s'\n\n", argv[1]);
        print_overview(stderr);
        return 2;
    }
    return command->run(argc - 1, argv + 1);
}
