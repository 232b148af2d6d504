/* tabllm generate: continues a prompt with a model and streams the text to
 * standard output as it is generated. With --chat the prompt is the user's
 * message in the model's chat template. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_common.h"

static int run(int argc, char **argv);

const cli_command cli_cmd_generate = {
    "generate", "continue a prompt with a model, streaming the text",
    "tabllm generate --model DIR [--lora DIR[=SCALE]]... --prompt TEXT [--max-tokens N]\n"
    "                [--temperature T] [--top-k K] [--top-p P] [--min-p P]\n"
    "                [--repeat-penalty R] [--seed S] [--stop TEXT]... [--chat]\n"
    "                [--system TEXT] [--ctx N] [--threads N] [--weights auto|f32|bf16|f16|int8]\n"
    "                [--verbose]\n"
    "\n"
    "  Greedy unless --temperature is above 0. Stops at the model's end-of-sequence\n"
    "  ids, a --stop text, --max-tokens (default 256) or the end of the context.\n"
    "  --chat puts the prompt (and --system) in the model's chat template, when the\n"
    "  tokenizer has one; without --chat the prompt is used as it is (BOS added as\n"
    "  the tokenizer's post-processor says). --verbose reports token counts and why\n"
    "  generation stopped on stderr.",
    run};

static int on_token(tabllm_token token, const char *text, size_t len, void *user_data)
{
    (void)token;
    (void)user_data;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}

static int parse_num(const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || errno || !(d >= lo && d <= hi))
        return -1;
    *out = d;
    return 0;
}

/* The prompt as ids: the chat template's rendering (special tokens in the
 * text, none added, as transformers' apply_chat_template tokenizes), or the
 * raw prompt with the post-processor's specials. */
static int prompt_ids(const tabllm_tokenizer *tok, const char *system, const char *prompt, int chat,
                   tabllm_token **ids, size_t *n)
{
    char *rendered = NULL;
    const char *text = prompt;
    uint32_t flags = TABLLM_TOKENIZE_ADD_SPECIAL;
    if (chat) {
        tabllm_chat_message m[2] = {{"system", system}, {"user", prompt}};
        size_t nm = system ? 2 : 1;
        tabllm_status st = tabllm_chat_render(tok, system ? m : m + 1, nm,
                                              TABLLM_CHAT_ADD_GENERATION_PROMPT, &rendered, NULL);
        if (st == TABLLM_ERR_NOT_FOUND) {
            fprintf(stderr, "tabllm: the tokenizer has no chat template; using the prompt as it "
                            "is\n");
        } else if (st != TABLLM_OK) {
            return cli_fail(st, "chat template");
        } else {
            text = rendered;
            flags = 0;
        }
    }
    size_t need = 0;
    tabllm_status st = tabllm_tokenizer_encode(tok, text, strlen(text), flags, NULL, 0, &need, NULL);
    if (st == TABLLM_OK || st == TABLLM_ERR_BUFFER_TOO_SMALL) {
        *ids = malloc((need ? need : 1) * sizeof **ids);
        st = *ids ? tabllm_tokenizer_encode(tok, text, strlen(text), flags, *ids, need, n, NULL)
                  : TABLLM_ERR_OUT_OF_MEMORY;
    }
    tabllm_free(rendered);
    if (st != TABLLM_OK) {
        free(*ids);
        *ids = NULL;
        return cli_fail(st, "tokenizing the prompt");
    }
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
    const char *prompt = NULL, *system = NULL;
    const char **stops = calloc((size_t)argc, sizeof *stops);
    size_t n_stops = 0;
    int chat = 0, verbose = 0;
    double max_tokens = 256, ctx = 0, seed = 0;
    tabllm_sampler_params sp;
    tabllm_sampler_params_init(&sp, sizeof sp);
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        int used = cli_model_opt(o, argc, argv, i);
        if (used < 0) {
            rc = cli_usage_error(&cli_cmd_generate, "%s needs a value", argv[i]);
            break;
        }
        if (used > 0) {
            i += used - 1;
            continue;
        }
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double d = 0;
        int bad = 0;
        if (strcmp(a, "--chat") == 0 || strcmp(a, "--verbose") == 0) {
            *(a[2] == 'c' ? &chat : &verbose) = 1;
            continue;
        }
        if (v == NULL) {
            rc = cli_usage_error(&cli_cmd_generate, "unknown option or missing value: %s", a);
            break;
        }
        i++;
        if (strcmp(a, "--prompt") == 0)
            prompt = v;
        else if (strcmp(a, "--system") == 0)
            system = v;
        else if (strcmp(a, "--stop") == 0)
            stops[n_stops++] = v;
        else if (strcmp(a, "--max-tokens") == 0)
            bad = parse_num(v, 0, 1e7, &max_tokens);
        else if (strcmp(a, "--ctx") == 0)
            bad = parse_num(v, 1, 4194304, &ctx);
        else if (strcmp(a, "--seed") == 0)
            bad = parse_num(v, 0, 9007199254740991.0, &seed);
        else if (strcmp(a, "--temperature") == 0)
            bad = parse_num(v, 0, 1e6, &d), sp.temperature = (float)d;
        else if (strcmp(a, "--top-k") == 0)
            bad = parse_num(v, 0, 1e9, &d), sp.top_k = (int32_t)d;
        else if (strcmp(a, "--top-p") == 0)
            bad = parse_num(v, 0, 1, &d), sp.top_p = (float)d;
        else if (strcmp(a, "--min-p") == 0)
            bad = parse_num(v, 0, 1, &d), sp.min_p = (float)d;
        else if (strcmp(a, "--repeat-penalty") == 0)
            bad = parse_num(v, 0, 1e6, &d), sp.repetition_penalty = (float)d;
        else
            rc = cli_usage_error(&cli_cmd_generate, "unknown option '%s'", a);
        if (bad)
            rc = cli_usage_error(&cli_cmd_generate, "%s: '%s' is not a valid value", a, v);
    }
    if (rc == 0 && (o->model == NULL || prompt == NULL))
        rc = cli_usage_error(&cli_cmd_generate, "--model and --prompt are required");
    if (rc != 0) {
        free(stops);
        return rc;
    }
    sp.seed = (uint64_t)seed;

    tabllm_tokenizer *tok = NULL;
    tabllm_model *model = NULL;
    tabllm_session *session = NULL;
    tabllm_token *ids = NULL;
    size_t n_ids = 0;
    tabllm_status st = tabllm_tokenizer_load(o->model, NULL, &tok);
    if (st != TABLLM_OK) {
        free(stops);
        return cli_fail(st, "tokenizer");
    }
    rc = prompt_ids(tok, system, prompt, chat, &ids, &n_ids);
    if (rc == 0) {
        /* room for the prompt and the answer */
        uint64_t want = ctx > 0 ? (uint64_t)ctx : (uint64_t)n_ids + (uint64_t)max_tokens;
        rc = cli_open_model(o, want > 4194304 ? 4194304 : (uint32_t)want, 1, &model, &session);
    }
    if (rc == 0) {
        tabllm_generate_params gp;
        tabllm_generate_params_init(&gp, sizeof gp);
        gp.max_tokens = (uint32_t)max_tokens;
        gp.sampler = &sp;
        gp.stop_strings = stops;
        gp.n_stop_strings = n_stops;
        gp.on_token = on_token;
        tabllm_generate_info info = {.struct_size = sizeof info};
        st = tabllm_generate(session, tok, ids, n_ids, &gp, NULL, NULL, &info);
        printf("\n");
        if (verbose) {
            static const char *why[] = {"none", "max tokens", "stop token", "stop string",
                                        "context full"};
            fprintf(stderr, "[%u prompt tokens, %u generated, stopped: %s", info.n_prompt,
                    info.n_tokens, why[info.stop_reason < 5 ? info.stop_reason : 0]);
            if (info.stop_token >= 0)
                fprintf(stderr, " %d", info.stop_token);
            fprintf(stderr, "]\n");
        }
        if (st != TABLLM_OK)
            rc = cli_fail(st, "generate");
    }
    free(ids);
    free(stops);
    tabllm_session_free(session);
    tabllm_model_free(model);
    tabllm_tokenizer_free(tok);
    return rc;
}
