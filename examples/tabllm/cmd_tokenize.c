/* tabllm tokenize: JSON Lines in, JSON Lines out, one line per input line,
 * flushed per line so it can be driven interactively. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int run(int argc, char **argv);

const cli_command cli_cmd_tokenize = {
    "tokenize",
    "encode {\"text\": ...} lines to {\"ids\": [...]} lines (or decode with --decode)",
    "tabllm tokenize --tokenizer PATH [--add-special] [--special-as-text] [--decode]\n"
    "                [--skip-special] [--offsets] [--timing]\n"
    "  Reads JSON Lines on stdin: {\"text\": \"...\"} (or {\"ids\": [...]} with --decode)\n"
    "  and {\"text\": \"...\", \"pair\": \"...\"} for a pair of sequences,\n"
    "  and writes one line per input line: {\"ids\": [...]} (or {\"text\": \"...\"}).\n"
    "  PATH is a tokenizer.json or a model directory.\n"
    "  --add-special      add the post-processor's special tokens (BOS, ...)\n"
    "  --special-as-text  treat special-token text in the input as plain text\n"
    "  --skip-special     --decode: leave special tokens out\n"
    "  --offsets          also write \"offsets\": [[start, end], ...] (bytes)\n"
    "  --timing           print load_seconds=X and encode_seconds=Y on stderr",
    run,
};

static int fail_line(size_t line, const char *what)
{
    fprintf(stderr, "tabllm tokenize: line %zu: %s\n", line, what);
    return 1;
}

static int run(int argc, char **argv)
{
    const char *path = NULL;
    uint32_t flags = 0, dflags = 0;
    int decode = 0, timing = 0, offsets = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tokenizer") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--add-special") == 0)
            flags |= TABLLM_TOKENIZE_ADD_SPECIAL;
        else if (strcmp(argv[i], "--special-as-text") == 0)
            flags |= TABLLM_TOKENIZE_SPECIAL_AS_TEXT;
        else if (strcmp(argv[i], "--skip-special") == 0)
            dflags |= TABLLM_DECODE_SKIP_SPECIAL;
        else if (strcmp(argv[i], "--decode") == 0)
            decode = 1;
        else if (strcmp(argv[i], "--offsets") == 0)
            offsets = 1;
        else if (strcmp(argv[i], "--timing") == 0)
            timing = 1;
        else
            return cli_usage_error(&cli_cmd_tokenize, "unknown option '%s'", argv[i]);
    }
    if (path == NULL)
        return cli_usage_error(&cli_cmd_tokenize, "--tokenizer PATH is required");

    double t0 = now();
    tabllm_tokenizer *tok;
    tabllm_status st = tabllm_tokenizer_load(path, NULL, &tok);
    double load_seconds = now() - t0, work_seconds = 0;
    if (st != TABLLM_OK)
        return cli_fail(st, path);

    char *line = NULL;
    size_t line_cap = 0, line_no = 0;
    ssize_t n;
    size_t cap = 1024, text_cap = 4096;
    tabllm_token *ids = malloc(cap * sizeof *ids);
    tabllm_token_offset *offs = malloc(cap * sizeof *offs);
    char *text = malloc(text_cap);
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &line_cap, stdin)) > 0) {
        line_no++;
        json_error_t err;
        json_t *in = json_loadb(line, (size_t)n, JSON_DECODE_ANY, &err);
        if (in == NULL || !json_is_object(in)) {
            json_decref(in);
            rc = fail_line(line_no, "expected a JSON object");
            break;
        }
        json_t *outj = json_object();
        if (!decode) {
            json_t *jt = json_object_get(in, "text");
            if (!json_is_string(jt)) {
                rc = fail_line(line_no, "expected {\"text\": string}");
            } else {
                size_t count = 0;
                double a = now();
                json_t *jp = json_object_get(in, "pair");
                for (;;) {
                    if (json_is_string(jp))
                        st = tabllm_tokenizer_encode_pair(
                            tok, json_string_value(jt), json_string_length(jt),
                            json_string_value(jp), json_string_length(jp), flags, ids, cap, &count,
                            offsets ? offs : NULL);
                    else
                        st = tabllm_tokenizer_encode(tok, json_string_value(jt),
                                                     json_string_length(jt), flags, ids, cap,
                                                     &count, offsets ? offs : NULL);
                    if (st != TABLLM_ERR_BUFFER_TOO_SMALL)
                        break;
                    cap = count * 2;
                    ids = realloc(ids, cap * sizeof *ids);
                    offs = realloc(offs, cap * sizeof *offs);
                }
                work_seconds += now() - a;
                if (st != TABLLM_OK) {
                    char ctx[64];
                    snprintf(ctx, sizeof ctx, "line %zu", line_no);
                    rc = cli_fail(st, ctx);
                } else {
                    json_t *arr = json_array();
                    for (size_t k = 0; k < count; k++)
                        json_array_append_new(arr, json_integer(ids[k]));
                    json_object_set_new(outj, "ids", arr);
                    if (offsets) {
                        json_t *oa = json_array();
                        for (size_t k = 0; k < count; k++)
                            json_array_append_new(oa, json_pack("[II]", (json_int_t)offs[k].start,
                                                                (json_int_t)offs[k].end));
                        json_object_set_new(outj, "offsets", oa);
                    }
                }
            }
        } else {
            json_t *ja = json_object_get(in, "ids");
            if (!json_is_array(ja)) {
                rc = fail_line(line_no, "expected {\"ids\": [...]}");
            } else {
                size_t count = json_array_size(ja);
                if (count > cap) {
                    cap = count;
                    ids = realloc(ids, cap * sizeof *ids);
                    offs = realloc(offs, cap * sizeof *offs);
                }
                for (size_t k = 0; k < count && rc == 0; k++) {
                    json_t *v = json_array_get(ja, k);
                    if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
                        json_integer_value(v) > INT32_MAX)
                        rc = fail_line(line_no, "ids must be integers");
                    else
                        ids[k] = (tabllm_token)json_integer_value(v);
                }
                size_t len = 0;
                double a = now();
                while (rc == 0) {
                    st = tabllm_tokenizer_decode(tok, ids, count, dflags, text, text_cap, &len);
                    if (st != TABLLM_ERR_BUFFER_TOO_SMALL)
                        break;
                    text_cap = len + 1;
                    text = realloc(text, text_cap);
                }
                work_seconds += now() - a;
                if (rc == 0 && st != TABLLM_OK) {
                    char ctx[64];
                    snprintf(ctx, sizeof ctx, "line %zu", line_no);
                    rc = cli_fail(st, ctx);
                } else if (rc == 0) {
                    json_object_set_new(outj, "text", json_stringn(text, len));
                }
            }
        }
        if (rc == 0) {
            char *s = json_dumps(outj, JSON_COMPACT | JSON_ENSURE_ASCII);
            fputs(s, stdout);
            fputc('\n', stdout);
            fflush(stdout);
            free(s);
        }
        json_decref(outj);
        json_decref(in);
    }
    if (timing)
        fprintf(stderr, "load_seconds=%.6f\nencode_seconds=%.6f\n", load_seconds, work_seconds);
    free(line);
    free(ids);
    free(offs);
    free(text);
    tabllm_tokenizer_free(tok);
    return rc;
}
