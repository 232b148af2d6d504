/* tabllm ask: answers a question about a table with a model, streaming the
 * answer to standard output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_common.h"

static int run(int argc, char **argv);

const cli_command cli_cmd_ask = {
    "ask", "answer a question about a table with a model",
    "tabllm ask --model DIR [--lora DIR[=SCALE]]... --table FILE [--format ENCODING]\n"
    "           [--no-chat] [--instruction TEXT] [--max-tokens N] [--ctx N] [--threads N]\n"
    "           [--weights auto|f32|bf16|f16|int8] \"QUESTION\"\n"
    "\n"
    "  The table is printed in --format (default markdown; `tabllm encode --list`) and,\n"
    "  with the question, put in the model's chat template when its tokenizer has one\n"
    "  (--no-chat: a plain \"Question: ... Answer:\" prompt). When the table does not fit\n"
    "  the context (--ctx, default the model's, at most 4096) the rows most relevant to\n"
    "  the question are kept. The answer is generated greedily.",
    run};

static int on_token(tabllm_token token, const char *text, size_t len, void *user_data)
{
    (void)token;
    int *started = user_data;
    /* the answer comes back stripped; skip the leading blanks here too */
    while (!*started && len > 0 && (*text == ' ' || *text == '\n'))
        text++, len--;
    if (len > 0)
        *started = 1;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}

static int run_with(cli_model_opts *o, int argc, char **argv);

static int run(int argc, char **argv)
{
    cli_model_opts o;
    cli_model_opts_init(&o);
    int rc = run_with(&o, argc, argv);
    cli_model_opts_free(&o);
    return rc;
}

static int run_with(cli_model_opts *o, int argc, char **argv)
{
    const char *table_path = NULL, *format = NULL, *question = NULL, *instruction = NULL;
    long max_tokens = 128, ctx = 0;
    int no_chat = 0;
    for (int i = 1; i < argc; i++) {
        int used = cli_model_opt(o, argc, argv, i);
        if (used < 0)
            return cli_usage_error(&cli_cmd_ask, "%s needs a value", argv[i]);
        if (used > 0) {
            i += used - 1;
            continue;
        }
        const char *a = argv[i];
        if (strcmp(a, "--no-chat") == 0) {
            no_chat = 1;
        } else if (a[0] == '-' && a[1] == '-' && i + 1 < argc) {
            const char *v = argv[++i];
            char *end;
            if (strcmp(a, "--table") == 0)
                table_path = v;
            else if (strcmp(a, "--format") == 0)
                format = v;
            else if (strcmp(a, "--instruction") == 0)
                instruction = v;
            else if (strcmp(a, "--max-tokens") == 0 || strcmp(a, "--ctx") == 0) {
                long x = strtol(v, &end, 10);
                if (end == v || *end || x < 0 || x > (1L << 22))
                    return cli_usage_error(&cli_cmd_ask, "%s: '%s' is not a valid value", a, v);
                *(a[2] == 'm' ? &max_tokens : &ctx) = x;
            } else
                return cli_usage_error(&cli_cmd_ask, "unknown option '%s'", a);
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_usage_error(&cli_cmd_ask, "unknown option or missing value: %s", a);
        } else if (question == NULL) {
            question = a;
        } else {
            return cli_usage_error(&cli_cmd_ask, "one question only (quote it)");
        }
    }
    if (o->model == NULL || table_path == NULL || question == NULL)
        return cli_usage_error(&cli_cmd_ask, "--model, --table and a question are required");
    tabllm_encode_params ep;
    tabllm_encode_params_init(&ep, sizeof ep);
    if (format) {
        tabllm_encoding e;
        if (tabllm_encoding_from_name(format, &e) != TABLLM_OK)
            return cli_usage_error(&cli_cmd_ask, "--format: no encoding named '%s'", format);
        ep.encoding = e;
    }
    tabllm_table *table = NULL;
    tabllm_tokenizer *tok = NULL;
    tabllm_model *model = NULL;
    tabllm_adapter *adapters[CLI_MAX_LORA];
    int n_adapters = 0;
    int rc = 0;
    tabllm_status st = tabllm_table_load(table_path, NULL, &table);
    if (st != TABLLM_OK)
        return cli_fail(st, table_path);
    if ((rc = cli_load_task_model(o, &tok, &model, adapters)) != 0)
        goto done;
    n_adapters = o->lora.n;
    tabllm_answer_params ap;
    tabllm_answer_params_init(&ap, sizeof ap);
    ap.encode = &ep;
    ap.flags = (no_chat ? TABLLM_ANSWER_NO_CHAT : 0) |
               (o->lora.merge ? TABLLM_ANSWER_MERGE_ADAPTERS : 0);
    ap.adapters = adapters;
    ap.adapter_scales = o->lora.scale;
    ap.n_adapters = (size_t)n_adapters;
    ap.max_tokens = (uint32_t)max_tokens;
    ap.n_ctx = (uint32_t)ctx;
    ap.n_threads = (uint32_t)(o->threads > 0 ? o->threads : 1);
    ap.instruction = instruction;
    int started = 0;
    ap.on_token = on_token;
    ap.user_data = &started;
    char *answer = NULL;
    st = tabllm_answer(model, tok, table, question, &ap, &answer, NULL);
    printf("\n");
    if (st != TABLLM_OK)
        rc = cli_fail(st, "ask");
    tabllm_free(answer);
done:
    cli_lora_unload(adapters, n_adapters);
    tabllm_model_free(model);
    tabllm_tokenizer_free(tok);
    tabllm_table_free(table);
    return rc;
}
