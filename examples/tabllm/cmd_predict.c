/* tabllm predict: every row's label probabilities from a model, written as
 * CSV or JSON Lines; with the true labels in the table, accuracy, log-loss
 * and a confusion matrix at the end. A progress bar goes to stderr when it
 * is a terminal. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "model_common.h"

static int run(int argc, char **argv);

const cli_command cli_cmd_predict = {
    "predict", "predict a column of every table row with a model (label probabilities)",
    "tabllm predict --model DIR [--lora DIR[=SCALE]]... --table FILE --target COLUMN\n"
    "               [--labels A,B,...] [--shots K --support FILE [--balanced] [--seed S]]\n"
    "               [--template tabula|unipredict|ENCODING|TEXT] [--annotation TEXT]\n"
    "               [--output FILE.csv|FILE.jsonl] [--scoring sum|mean] [--threads N]\n"
    "               [--batch-tokens N] [--naive] [--quiet]\n"
    "\n"
    "  For each row, the prompt of --template (default tabula: TabuLa-8B's serializer\n"
    "  ending in <|endinput|>; unipredict; any per-row encoding name; or a text with\n"
    "  {column} placeholders) and, for each label, the log-probability of the label\n"
    "  followed by <|endcompletion|> when the tokenizer has it. Labels: --labels, else the\n"
    "  target's values in the support table, else in the table. --shots K puts K rows of\n"
    "  --support before each row (random by --seed, or --balanced across labels).\n"
    "  --output writes one line per row (CSV: row, p(label)..., predicted[, true]; JSON\n"
    "  Lines with the same fields); without it the CSV goes to stdout. When the table has\n"
    "  the target, accuracy, log-loss and the confusion matrix follow (on stdout with\n"
    "  --output, else on stderr). --naive scores every row and label as its own\n"
    "  evaluation (slow; for comparison).",
    run};

/* Splits "a,b\,c" into {"a", "b,c"}; the strings are one heap block. */
static char **split_list(const char *s, size_t *n_out)
{
    size_t n = 1, len = strlen(s);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len)
            i++;
        else if (s[i] == ',')
            n++;
    }
    char **items = malloc(n * sizeof *items + len + 1);
    if (items == NULL)
        return NULL;
    char *text = (char *)(items + n), *w = text;
    size_t k = 0;
    items[k++] = w;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) {
            *w++ = s[++i];
        } else if (s[i] == ',') {
            *w++ = '\0';
            items[k++] = w;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    *n_out = n;
    return items;
}

typedef struct progress {
    double start;
    int shown;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int on_progress(size_t done, size_t total, void *user)
{
    progress *p = user;
    double el = now() - p->start, rate = el > 0 ? (double)done / el : 0;
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[width] = '\0';
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r[%s] %zu/%zu rows  %.1f rows/s  ETA %.0fs ", bar, done, total, rate, eta);
    fflush(stderr);
    p->shown = 1;
    return 0;
}

/* CSV field, quoted when it needs to be */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void write_rows(FILE *f, int jsonl, const tabllm_prediction *pr, tabllm_scoring sc,
                       const tabllm_table *table, const char *target)
{
    size_t R = tabllm_prediction_n_rows(pr), L = tabllm_prediction_n_labels(pr);
    const double *p = tabllm_prediction_probs(pr, sc);
    const int32_t *arg = tabllm_prediction_argmax(pr, sc);
    const int32_t *truth = tabllm_prediction_truth(pr);
    size_t tcol = SIZE_MAX;
    for (size_t c = 0; truth && c < tabllm_table_n_columns(table); c++)
        if (strcmp(tabllm_table_column_name(table, c), target) == 0) {
            tcol = c;
            break;
        }
    if (!jsonl) {
        fputs("row", f);
        for (size_t j = 0; j < L; j++) {
            fputc(',', f);
            char name[512];
            snprintf(name, sizeof name, "p(%s)", tabllm_prediction_label(pr, j));
            csv_field(f, name);
        }
        fputs(truth ? ",predicted,true\n" : ",predicted\n", f);
    }
    for (size_t i = 0; i < R; i++) {
        size_t row = tabllm_prediction_table_row(pr, i);
        const char *pred = tabllm_prediction_label(pr, (size_t)arg[i]);
        const char *tv = tcol != SIZE_MAX ? tabllm_table_cell(table, row, tcol, NULL, NULL) : "";
        if (jsonl) {
            fprintf(f, "{\"row\": %zu, \"probs\": {", row);
            for (size_t j = 0; j < L; j++) {
                if (j)
                    fputs(", ", f);
                json_string(f, tabllm_prediction_label(pr, j));
                fprintf(f, ": %.6g", p[i * L + j]);
            }
            fputs("}, \"predicted\": ", f);
            json_string(f, pred);
            if (truth) {
                fputs(", \"true\": ", f);
                if (truth[i] >= 0)
                    json_string(f, tabllm_prediction_label(pr, (size_t)truth[i]));
                else if (truth[i] == -1)
                    fputs("null", f);
                else
                    json_string(f, tv);
            }
            fputs("}\n", f);
        } else {
            fprintf(f, "%zu", row);
            for (size_t j = 0; j < L; j++)
                fprintf(f, ",%.6g", p[i * L + j]);
            fputc(',', f);
            csv_field(f, pred);
            if (truth) {
                fputc(',', f);
                csv_field(f, truth[i] >= 0 ? tabllm_prediction_label(pr, (size_t)truth[i])
                                           : tv);
            }
            fputc('\n', f);
        }
    }
}

/* Accuracy, log-loss (probabilities clipped at 1e-12) and the confusion
 * matrix over the rows whose true label is one of the labels. */
static void print_metrics(FILE *f, const tabllm_prediction *pr, tabllm_scoring sc)
{
    const int32_t *truth = tabllm_prediction_truth(pr);
    size_t R = tabllm_prediction_n_rows(pr), L = tabllm_prediction_n_labels(pr);
    const double *p = tabllm_prediction_probs(pr, sc);
    const int32_t *arg = tabllm_prediction_argmax(pr, sc);
    size_t n = 0, right = 0, missing = 0, unseen = 0;
    double loss = 0;
    size_t *cm = calloc(L * L, sizeof *cm);
    for (size_t i = 0; i < R; i++) {
        if (truth[i] < 0) {
            *(truth[i] == -1 ? &missing : &unseen) += 1;
            continue;
        }
        n++;
        right += arg[i] == truth[i];
        double q = p[i * L + (size_t)truth[i]];
        loss -= log(q > 1e-12 ? q : 1e-12);
        cm[(size_t)truth[i] * L + (size_t)arg[i]]++;
    }
    fprintf(f, "rows: %zu", R);
    if (missing)
        fprintf(f, ", %zu without a true label", missing);
    if (unseen)
        fprintf(f, ", %zu whose true label is not among the labels", unseen);
    fputc('\n', f);
    if (n == 0) {
        free(cm);
        return;
    }
    fprintf(f, "accuracy: %.4f (%zu/%zu)\n", (double)right / (double)n, right, n);
    fprintf(f, "log-loss: %.4f\n", loss / (double)n);
    size_t w = 9;
    for (size_t j = 0; j < L; j++) {
        size_t lw = strlen(tabllm_prediction_label(pr, j));
        if (lw + 2 > w)
            w = lw + 2;
    }
    if (w > 24)
        w = 24;
    fprintf(f, "confusion matrix (rows: true label, columns: predicted):\n%*s", (int)w, "");
    for (size_t j = 0; j < L; j++)
        fprintf(f, "%*.*s", (int)w, (int)w - 1, tabllm_prediction_label(pr, j));
    fputc('\n', f);
    for (size_t a = 0; a < L; a++) {
        fprintf(f, "%-*.*s", (int)w, (int)w - 1, tabllm_prediction_label(pr, a));
        for (size_t b = 0; b < L; b++)
            fprintf(f, "%*zu", (int)w, cm[a * L + b]);
        fputc('\n', f);
    }
    free(cm);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int parse_count(const char *v, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end || errno || x > max || v[0] == '-')
        return -1;
    *out = x;
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
    const char *table_path = NULL, *target = NULL, *labels_text = NULL, *support_path = NULL,
               *template_text = NULL, *output = NULL, *annotation = NULL;
    unsigned long long shots = 0, seed = 0, batch = 0;
    int balanced = 0, naive = 0, quiet = 0;
    tabllm_scoring scoring = TABLLM_SCORING_SUM;
    for (int i = 1; i < argc; i++) {
        int used = cli_model_opt(o, argc, argv, i);
        if (used < 0)
            return cli_usage_error(&cli_cmd_predict, "%s needs a value", argv[i]);
        if (used > 0) {
            i += used - 1;
            continue;
        }
        const char *a = argv[i];
        if (strcmp(a, "--balanced") == 0) {
            balanced = 1;
            continue;
        }
        if (strcmp(a, "--naive") == 0) {
            naive = 1;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage_error(&cli_cmd_predict, "unknown option or missing value: %s", a);
        const char *v = argv[++i];
        int bad = 0;
        if (strcmp(a, "--table") == 0)
            table_path = v;
        else if (strcmp(a, "--target") == 0)
            target = v;
        else if (strcmp(a, "--labels") == 0)
            labels_text = v;
        else if (strcmp(a, "--support") == 0)
            support_path = v;
        else if (strcmp(a, "--template") == 0)
            template_text = v;
        else if (strcmp(a, "--annotation") == 0)
            annotation = v;
        else if (strcmp(a, "--output") == 0)
            output = v;
        else if (strcmp(a, "--shots") == 0)
            bad = parse_count(v, 1000000, &shots);
        else if (strcmp(a, "--seed") == 0)
            bad = parse_count(v, UINT64_MAX, &seed);
        else if (strcmp(a, "--batch-tokens") == 0)
            bad = parse_count(v, 1u << 24, &batch);
        else if (strcmp(a, "--scoring") == 0) {
            if (strcmp(v, "sum") == 0)
                scoring = TABLLM_SCORING_SUM;
            else if (strcmp(v, "mean") == 0)
                scoring = TABLLM_SCORING_MEAN;
            else
                bad = 1;
        } else
            return cli_usage_error(&cli_cmd_predict, "unknown option '%s'", a);
        if (bad)
            return cli_usage_error(&cli_cmd_predict, "%s: '%s' is not a valid value", a, v);
    }
    if (o->model == NULL || table_path == NULL || target == NULL)
        return cli_usage_error(&cli_cmd_predict, "--model, --table and --target are required");
    if (shots > 0 && support_path == NULL)
        return cli_usage_error(&cli_cmd_predict, "--shots needs --support FILE");
    if (o->weights > TABLLM_WEIGHTS_INT8 || o->threads < 1)
        return cli_usage_error(&cli_cmd_predict, "bad --weights or --threads");

    tabllm_encode_params ep;
    tabllm_encode_params_init(&ep, sizeof ep);
    ep.encoding = TABLLM_ENCODING_TABULA;
    if (template_text != NULL) {
        tabllm_encoding e;
        if (strcmp(template_text, "tabula") == 0) {
            ep.encoding = TABLLM_ENCODING_TABULA;
        } else if (strcmp(template_text, "unipredict") == 0) {
            ep.encoding = TABLLM_ENCODING_UNIPREDICT;
            ep.prompt_template = annotation ? 0 : 1;
        } else if (strchr(template_text, '{') == NULL &&
                   tabllm_encoding_from_name(template_text, &e) == TABLLM_OK) {
            ep.encoding = e;
        } else {
            ep.encoding = TABLLM_ENCODING_TEMPLATE;
            ep.template_text = template_text;
        }
    }
    ep.annotation = annotation;

    int rc = 0;
    tabllm_table *table = NULL, *support = NULL;
    tabllm_tokenizer *tok = NULL;
    tabllm_model *model = NULL;
    tabllm_adapter *adapters[CLI_MAX_LORA];
    int n_adapters = 0;
    tabllm_prediction *pr = NULL;
    char **labels = NULL;
    size_t n_labels = 0;
    FILE *out = NULL;
    tabllm_status st = tabllm_table_load(table_path, NULL, &table);
    if (st != TABLLM_OK) {
        rc = cli_fail(st, table_path);
        goto done;
    }
    if (support_path && (st = tabllm_table_load(support_path, NULL, &support)) != TABLLM_OK) {
        rc = cli_fail(st, support_path);
        goto done;
    }
    if ((rc = cli_load_task_model(o, &tok, &model, adapters)) != 0)
        goto done;
    n_adapters = o->lora.n;
    if (labels_text && (labels = split_list(labels_text, &n_labels)) == NULL) {
        rc = 1;
        goto done;
    }
    tabllm_predict_params pp;
    tabllm_predict_params_init(&pp, sizeof pp);
    pp.target = target;
    pp.labels = (const char *const *)labels;
    pp.n_labels = n_labels;
    pp.encode = &ep;
    pp.support = support;
    pp.n_shots = (uint32_t)shots;
    pp.shot_selection = balanced ? TABLLM_SHOTS_BALANCED : TABLLM_SHOTS_RANDOM;
    pp.seed = seed;
    pp.n_threads = (uint32_t)o->threads;
    pp.max_batch_tokens = (uint32_t)batch;
    pp.flags = (naive ? TABLLM_PREDICT_NAIVE : 0) |
               (o->lora.merge ? TABLLM_PREDICT_MERGE_ADAPTERS : 0);
    pp.adapters = adapters;
    pp.adapter_scales = o->lora.scale;
    pp.n_adapters = (size_t)n_adapters;
    progress prog = {.start = now()};
    if (!quiet && isatty(STDERR_FILENO)) {
        pp.progress = on_progress;
        pp.progress_user_data = &prog;
    }
    st = tabllm_predict(model, tok, table, &pp, &pr);
    if (prog.shown)
        fputc('\n', stderr);
    if (st != TABLLM_OK) {
        rc = cli_fail(st, "predict");
        goto done;
    }
    out = output ? fopen(output, "w") : stdout;
    if (out == NULL) {
        fprintf(stderr, "tabllm predict: cannot write %s: %s\n", output, strerror(errno));
        rc = 1;
        goto done;
    }
    write_rows(out, output && ends_with(output, ".jsonl"), pr, scoring, table, target);
    if (output && fclose(out) != 0) {
        fprintf(stderr, "tabllm predict: writing %s failed\n", output);
        rc = 1;
    }
    if (tabllm_prediction_truth(pr))
        print_metrics(output ? stdout : stderr, pr, scoring);
    if (!quiet && output) {
        double el = now() - prog.start;
        printf("%zu rows in %.2f s (%.1f rows/s)\n", tabllm_prediction_n_rows(pr), el,
               el > 0 ? (double)tabllm_prediction_n_rows(pr) / el : 0.0);
    }
done:
    cli_lora_unload(adapters, n_adapters);
    free(labels);
    tabllm_prediction_free(pr);
    tabllm_model_free(model);
    tabllm_tokenizer_free(tok);
    tabllm_table_free(support);
    tabllm_table_free(table);
    return rc;
}
