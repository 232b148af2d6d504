/* tabllm embed: one embedding per input text. Reads JSON Lines (each line a
 * JSON string, or an object with a "text" field) and writes one JSON array
 * of floats per line, in input order. Several texts share each forward pass,
 * one sequence each. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_common.h"

static int run(int argc, char **argv);

const cli_command cli_cmd_embed = {
    "embed", "embed texts (JSON Lines on stdin) with a model's pooled hidden states",
    "tabllm embed --model DIR [--lora DIR[=SCALE]]... [--pooling mean|last] [--normalize]\n"
    "             [--threads N] [--weights auto|f32|bf16|f16|int8] < texts.jsonl\n"
    "\n"
    "  Each input line is a JSON string or an object with a \"text\" field; each output\n"
    "  line is the text's embedding as a JSON array: the mean (default) or the last of\n"
    "  the final hidden states of its tokens (BOS included when the tokenizer adds\n"
    "  one), L2-normalised with --normalize.",
    run};

#define SEQS 16
#define BATCH_TOKENS 2048

typedef struct text_ids {
    tabllm_token *ids;
    size_t n;
} text_ids;

/* Reads stdin's lines and tokenizes each; returns 0 or an exit status. */
static int read_inputs(const tabllm_tokenizer *tok, text_ids **out, size_t *n_out)
{
    size_t cap = 0, n = 0, line_no = 0;
    text_ids *items = NULL;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &line_cap, stdin)) >= 0) {
        line_no++;
        size_t len = (size_t)got;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        json_error_t err;
        json_t *v = json_loadb(line, len, JSON_DECODE_ANY, &err);
        const json_t *t = json_is_object(v) ? json_object_get(v, "text") : v;
        if (!json_is_string(t)) {
            fprintf(stderr, "tabllm embed: stdin line %zu: %s\n", line_no,
                    v ? "expected a JSON string or an object with a \"text\" string"
                      : err.text);
            json_decref(v);
            rc = 1;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            text_ids *grown = realloc(items, cap * sizeof *items);
            if (grown == NULL) {
                json_decref(v);
                rc = 1;
                break;
            }
            items = grown;
        }
        const char *s = json_string_value(t);
        size_t slen = json_string_length(t), need = 0;
        tabllm_status st =
            tabllm_tokenizer_encode(tok, s, slen, TABLLM_TOKENIZE_ADD_SPECIAL, NULL, 0, &need, NULL);
        items[n].ids = malloc((need ? need : 1) * sizeof(tabllm_token));
        items[n].n = 0;
        if (st == TABLLM_OK || st == TABLLM_ERR_BUFFER_TOO_SMALL)
            st = tabllm_tokenizer_encode(tok, s, slen, TABLLM_TOKENIZE_ADD_SPECIAL, items[n].ids,
                                         need, &items[n].n, NULL);
        n++;
        json_decref(v);
        if (st != TABLLM_OK) {
            char where[64];
            snprintf(where, sizeof where, "stdin line %zu", line_no);
            rc = cli_fail(st, where);
        } else if (items[n - 1].n == 0) {
            fprintf(stderr, "tabllm embed: stdin line %zu: the text has no tokens\n", line_no);
            rc = 1;
        }
    }
    free(line);
    *out = items;
    *n_out = n;
    return rc;
}

static void print_vector(const float *v, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++)
        printf(i ? ",%.9g" : "%.9g", (double)v[i]);
    puts("]");
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
    tabllm_pooling pooling = TABLLM_POOLING_MEAN;
    uint32_t flags = 0;
    for (int i = 1; i < argc; i++) {
        int used = cli_model_opt(o, argc, argv, i);
        if (used < 0)
            return cli_usage_error(&cli_cmd_embed, "%s needs a value", argv[i]);
        if (used > 0) {
            i += used - 1;
        } else if (strcmp(argv[i], "--normalize") == 0) {
            flags |= TABLLM_EMBED_NORMALIZE;
        } else if (strcmp(argv[i], "--pooling") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "mean") == 0)
                pooling = TABLLM_POOLING_MEAN;
            else if (strcmp(v, "last") == 0)
                pooling = TABLLM_POOLING_LAST;
            else
                return cli_usage_error(&cli_cmd_embed, "--pooling must be mean or last");
        } else {
            return cli_usage_error(&cli_cmd_embed, "unknown option '%s'", argv[i]);
        }
    }
    if (o->model == NULL)
        return cli_usage_error(&cli_cmd_embed, "--model is required");

    tabllm_tokenizer *tok = NULL;
    tabllm_status st = tabllm_tokenizer_load(o->model, NULL, &tok);
    if (st != TABLLM_OK)
        return cli_fail(st, "tokenizer");
    text_ids *items = NULL;
    size_t n_items = 0, longest = 1;
    int rc = read_inputs(tok, &items, &n_items);
    for (size_t i = 0; i < n_items; i++)
        if (items[i].n > longest)
            longest = items[i].n;
    tabllm_model *model = NULL;
    tabllm_session *s = NULL;
    if (rc == 0 && n_items > 0) {
        /* cli_open_model makes a plain session; embeddings need the hidden states */
        rc = cli_open_model(o, 1, 1, &model, &s);
        if (rc == 0) {
            tabllm_session_free(s);
            s = NULL;
            tabllm_session_params sp;
            tabllm_session_params_init(&sp, sizeof sp);
            sp.n_ctx = (uint32_t)longest;
            sp.n_seq_max = SEQS;
            sp.n_threads = o->threads > 0 ? (uint32_t)o->threads : 1;
            sp.flags = TABLLM_SESSION_KEEP_HIDDEN;
            st = tabllm_session_new(model, &sp, &s);
            if (st != TABLLM_OK)
                rc = cli_fail(st, "session");
        }
    }
    size_t D = model ? (size_t)tabllm_model_n_embd(model) : 0;
    float *vec = malloc((D ? D : 1) * sizeof *vec);
    tabllm_token *tokens = NULL;
    int32_t *seqs = NULL;
    int8_t *want = NULL;
    size_t cap = 0;
    for (size_t at = 0; rc == 0 && at < n_items;) {
        /* a group: up to SEQS texts and BATCH_TOKENS tokens (at least one text) */
        size_t end = at, total = 0;
        while (end < n_items && end - at < SEQS && (end == at || total + items[end].n <= BATCH_TOKENS))
            total += items[end++].n;
        if (total > cap) {
            cap = total;
            tokens = realloc(tokens, cap * sizeof *tokens);
            seqs = realloc(seqs, cap * sizeof *seqs);
            want = realloc(want, cap);
        }
        size_t k = 0;
        for (size_t i = at; i < end; i++)
            for (size_t j = 0; j < items[i].n; j++, k++) {
                tokens[k] = items[i].ids[j];
                seqs[k] = (int32_t)(i - at);
                want[k] = 0;
            }
        tabllm_session_seq_clear(s, -1);
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)total, .tokens = tokens,
                          .seq_ids = seqs, .logits = want};
        st = tabllm_session_decode(s, &b);
        for (size_t i = at; st == TABLLM_OK && i < end; i++) {
            st = tabllm_session_embed(s, (int32_t)(i - at), pooling, flags, vec, D);
            if (st == TABLLM_OK)
                print_vector(vec, D);
        }
        if (st != TABLLM_OK)
            rc = cli_fail(st, "embedding");
        at = end;
    }
    free(tokens);
    free(seqs);
    free(want);
    free(vec);
    for (size_t i = 0; i < n_items; i++)
        free(items[i].ids);
    free(items);
    tabllm_session_free(s);
    tabllm_model_free(model);
    tabllm_tokenizer_free(tok);
    return rc;
}
