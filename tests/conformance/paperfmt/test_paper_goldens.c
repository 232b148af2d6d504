/* Paper formats, byte for byte.
 *
 *   test_paper_goldens lib DIR   every case through the encoders in-process,
 *                                 the CSV read by a test-only reader
 *   test_paper_goldens cli DIR [N] every case (or every Nth, to keep the run
 *                                 short; the in-process run covers them all)
 *                                 through `tabllm encode`, the contract users
 *                                 see; skips (77) while the CLI has no encode
 *
 * DIR holds either the authors' goldens (manifest.json) or goldens that
 * generate.sh made from the documented rules (cases.json). Exit 77 when DIR
 * has neither. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "mini_csv.h"
#include "paper_cases.h"
#include "table/encode.h"

/* ---- in-process ----------------------------------------------------------- */

/* Through the registry, as tabllm_table_encode() finds them. */
static tl_encoder_fn find_encoder(const char *name)
{
    const tl_encoder *e = tl_encoder_find_name(name);
    return e ? e->encode : NULL;
}

/* The CLI's flags, as tabllm encode maps them onto tabllm_encode_params. */
typedef struct parsed_args {
    tabllm_encode_params params;
    const char *format;
    int tapex;
    char *labels_buf;
    const char *labels[64];
} parsed_args;

static int parse_args(const paper_case *c, parsed_args *a)
{
    memset(a, 0, sizeof *a);
    a->params.struct_size = sizeof a->params;
    a->params.row = -1;
    for (int i = 0; i < c->argc; i++) {
        const char *k = c->argv[i];
        const char *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;
        if (strcmp(k, "--marks") == 0) {
            a->params.flags |= TABLLM_ENCODE_PARTITION_MARKS;
        } else if (strcmp(k, "--grammar") == 0) {
            a->params.flags |= TABLLM_ENCODE_GRAMMAR;
        } else if (strcmp(k, "--column-major") == 0) {
            a->params.flags |= TABLLM_ENCODE_COLUMN_MAJOR;
        } else if (strcmp(k, "--tapex") == 0) {
            a->tapex = 1;
        } else if (v == NULL) {
            fprintf(stderr, "%s: flag %s lacks a value\n", c->name, k);
            return -1;
        } else {
            i++;
            if (strcmp(k, "--format") == 0) {
                a->format = v;
            } else if (strcmp(k, "--target") == 0) {
                a->params.target = v;
            } else if (strcmp(k, "--labels") == 0) {
                a->labels_buf = strdup(v);
                for (char *p = strtok(a->labels_buf, ","); p && a->params.n_labels < 64;
                     p = strtok(NULL, ","))
                    a->labels[a->params.n_labels++] = p;
                a->params.labels = a->labels;
            } else if (strcmp(k, "--cells") == 0) {
                a->params.cells = strcmp(v, "pandas") == 0 ? TABLLM_CELLS_PANDAS
                                                           : TABLLM_CELLS_VERBATIM;
            } else if (strcmp(k, "--row") == 0) {
                a->params.row = atoll(v);
            } else if (strcmp(k, "--title") == 0) {
                a->params.title = v;
            } else if (strcmp(k, "--context") == 0) {
                a->params.context = v;
            } else if (strcmp(k, "--caption") == 0) {
                a->params.caption = v;
            } else if (strcmp(k, "--annotation") == 0) {
                a->params.annotation = v;
            } else if (strcmp(k, "--question") == 0) {
                a->params.question = v;
            } else if (strcmp(k, "--template") == 0) {
                a->params.prompt_template = strcmp(v, "without_metadata") == 0 ? 1
                                            : strcmp(v, "TabLLM") == 0         ? 2
                                                                               : 0;
            } else {
                fprintf(stderr, "%s: unknown flag %s\n", c->name, k);
                return -1;
            }
        }
    }
    if (a->format && strcmp(a->format, "cabinet") == 0 && a->tapex)
        a->format = "cabinet-tapex";
    return 0;
}

static int run_lib_case(const paper_case *c)
{
    parsed_args a;
    if (parse_args(c, &a) != 0)
        return 1;
    int failed = 1;
    tl_encoder_fn fn = a.format ? find_encoder(a.format) : NULL;
    tabllm_table *t = mini_csv_file(c->input);
    if (fn == NULL || t == NULL) {
        fprintf(stderr, "%s: no encoder %s or unreadable %s\n", c->name,
                a.format ? a.format : "(none)", c->input);
        goto done;
    }
    size_t *rows = calloc(t->n_rows + 1, sizeof *rows);
    size_t *cols = calloc(t->n_cols + 1, sizeof *cols);
    tl_view view = {t, rows, 0, cols, t->n_cols};
    for (size_t i = 0; i < t->n_cols; i++)
        cols[i] = i;
    /* as tabllm_table_encode passes it: every row in the view, the one to
     * print (if any) in params.row */
    for (size_t i = 0; i < t->n_rows; i++)
        rows[i] = i;
    view.n_rows = t->n_rows;
    tl_buf out = TL_BUF_INIT;
    tabllm_status st = fn(&view, &a.params, &out);
    if (c->golden == NULL) {
        if (st != TABLLM_OK && strstr(tabllm_last_error(), c->error) != NULL) {
            failed = 0;
        } else {
            fprintf(stderr, "%s: expected an error saying \"%s\", got status %d (%s)\n",
                    c->name, c->error, (int)st, st != TABLLM_OK ? tabllm_last_error() : "");
        }
    } else if (st != TABLLM_OK) {
        fprintf(stderr, "%s: status %d: %s\n", c->name, (int)st, tabllm_last_error());
    } else {
        size_t want_len;
        char *want = paper_read_file(c->golden, &want_len);
        if (want == NULL) {
            fprintf(stderr, "%s: cannot read %s\n", c->name, c->golden);
        } else if (want_len != out.len || memcmp(want, out.data ? out.data : "", want_len) != 0) {
            paper_report_diff(c->name, want, want_len, out.data ? out.data : "", out.len);
        } else {
            failed = 0;
        }
        free(want);
    }
    tl_buf_free(&out);
    free(rows);
    free(cols);
done:
    tl_table_destroy(t);
    free(a.labels_buf);
    return failed;
}

/* ---- through the CLI ------------------------------------------------------ */

/* Runs argv, collecting stdout and stderr; returns the exit status or -1. */
static int run_capture(char *const argv[], tl_buf *out, tl_buf *err)
{
    int po[2], pe[2];
    if (pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    /* stderr is small; read stdout to the end first, then stderr. */
    char chunk[65536];
    ssize_t n;
    while ((n = read(po[0], chunk, sizeof chunk)) > 0)
        tl_buf_append(out, chunk, (size_t)n);
    while ((n = read(pe[0], chunk, sizeof chunk)) > 0)
        tl_buf_append(err, chunk, (size_t)n);
    close(po[0]);
    close(pe[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cli_has_encode(const char *cli)
{
    char *argv[] = {(char *)cli, "help", "encode", NULL};
    tl_buf out = TL_BUF_INIT, err = TL_BUF_INIT;
    int rc = run_capture(argv, &out, &err);
    tl_buf_free(&out);
    tl_buf_free(&err);
    return rc == 0;
}

static int run_cli_case(const char *cli, const paper_case *c)
{
    char *argv[PAPER_MAX_ARGS + 4];
    int k = 0;
    argv[k++] = (char *)cli;
    argv[k++] = "encode";
    for (int i = 0; i < c->argc; i++)
        argv[k++] = c->argv[i];
    argv[k++] = c->input;
    argv[k] = NULL;
    tl_buf out = TL_BUF_INIT, err = TL_BUF_INIT;
    int rc = run_capture(argv, &out, &err);
    int failed = 1;
    if (c->golden == NULL) {
        if (rc > 0 && err.data && strstr(err.data, c->error) != NULL)
            failed = 0;
        else
            fprintf(stderr, "%s: expected a failure saying \"%s\", got exit %d: %s\n", c->name,
                    c->error, rc, err.data ? err.data : "");
    } else if (rc != 0) {
        fprintf(stderr, "%s: exit %d: %s\n", c->name, rc, err.data ? err.data : "");
    } else {
        size_t want_len;
        char *want = paper_read_file(c->golden, &want_len);
        if (want == NULL)
            fprintf(stderr, "%s: cannot read %s\n", c->name, c->golden);
        else if (want_len != out.len || memcmp(want, out.data ? out.data : "", want_len) != 0)
            paper_report_diff(c->name, want, want_len, out.data ? out.data : "", out.len);
        else
            failed = 0;
        free(want);
    }
    tl_buf_free(&out);
    tl_buf_free(&err);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s lib|cli DIR [EVERY_NTH]\n", argv[0]);
        return 2;
    }
    int cli_mode = strcmp(argv[1], "cli") == 0;
    const char *dir = argv[2];
    paper_cases cases = {0};
    if (paper_cases_from_manifest(dir, &cases) != 0 && paper_cases_from_list(dir, &cases) != 0) {
        printf("SKIP: no manifest.json or cases.json in %s (run tests/conformance/generate.sh)\n",
               dir);
        return 77;
    }
    const char *cli = getenv("TABLLM_CLI");
    if (cli_mode && (cli == NULL || !cli_has_encode(cli))) {
        printf("SKIP: the tabllm CLI has no encode command yet\n");
        paper_cases_free(&cases);
        return 77;
    }
    size_t stride = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 1;
    if (stride == 0)
        stride = 1;
    size_t failures = 0, run = 0;
    for (size_t i = 0; i < cases.n; i += stride, run++)
        failures += (size_t)(cli_mode ? run_cli_case(cli, &cases.items[i])
                                      : run_lib_case(&cases.items[i]));
    printf("%zu of %zu paper-format cases reproduced (%s)\n", run - failures, run, dir);
    paper_cases_free(&cases);
    return failures ? 1 : 0;
}
