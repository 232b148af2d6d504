/* tabllm encode: read a table and print it in one of the encodings.
 * Every option maps onto tabllm_table_read_params or tabllm_encode_params;
 * stdout gets exactly the library's text, nothing added. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char encode_usage[] =
    "tabllm encode [OPTIONS] FILE        (FILE may be - for stdin)\n"
    "\n"
    "reading:\n"
    "  --input-format csv|tsv|html|json|xlsx   default: from the extension, else sniffed\n"
    "  --table-index N        HTML: the N-th table (0-based, as pandas.read_html counts)\n"
    "  --sheet NAME|N         XLSX: the sheet\n"
    "  --no-header            the first row is data; columns are named 0, 1, ...\n"
    "  --delimiter C          CSV field separator (a character, or 'tab'); default: sniffed\n"
    "  --ragged pandas|error|pad|truncate   rows of another length (default pandas)\n"
    "encoding:\n"
    "  --format NAME          an encoding (default markdown; `tabllm encode --list`)\n"
    "  --json-orient records|split\n"
    "  --template T           a template with {column} placeholders (--format template), or\n"
    "                         UniPredict's prompt_input|without_metadata|TabLLM\n"
    "  --cells default|pandas|verbatim      how cell values are printed\n"
    "  --target COL           the column to predict\n"
    "  --labels A,B,C         candidate labels, in the order to show them (\\, for a comma)\n"
    "  --row N                per-row encodings: only table row N (0-based)\n"
    "  --title T --context C --caption P    Table Meets LLM partition texts\n"
    "  --marks --grammar --column-major     Table Meets LLM options\n"
    "  --annotation TEXT      UniPredict: the dataset description\n"
    "  --question Q           CABINET TAPEX; question-aware selection\n"
    "  --tapex                with --format cabinet: the TAPEX form\n"
    "  --omit-header          leave the header row out (csv, tsv, html)\n"
    "  --anchor-k K --no-anchors --no-inverted-index --no-format-aggregation   SheetCompressor\n"
    "  --sheet-formats        sheet-*: show number format strings\n"
    "selection:\n"
    "  --rows SPEC            rows 0,2,5-9 | head:N | random:N | stratified:N:COL | evenly:N |\n"
    "                         relevant:N (needs --question)\n"
    "  --seed S               for random and stratified (default 0)\n"
    "  --columns A,B          only these columns, in this order\n"
    "  --max-columns N        keep the N columns most relevant to --question\n"
    "  --max-tokens N --tokenizer FILE      fit the text into N tokens\n"
    "  --list                 print the encodings this build knows, one per line";

/* The tokenizer module is another part of libtabllm; examples/meson.build
 * defines TABLLM_CLI_HAVE_TOKENIZER when the build has it. */
#ifdef TABLLM_CLI_HAVE_TOKENIZER
typedef struct counter {
    tabllm_tokenizer *tokenizer;
} counter;

static tabllm_status counter_load(const char *path, counter *c)
{
    return tabllm_tokenizer_load(path, NULL, &c->tokenizer);
}

static void counter_free(counter *c)
{
    tabllm_tokenizer_free(c->tokenizer);
}

static void counter_use(counter *c, tabllm_encode_params *p)
{
    p->count_tokens = tabllm_tokenizer_count_tokens;
    p->count_tokens_user_data = c->tokenizer;
}

/* SheetCompressor's point is the tokens it saves: with --tokenizer, say how
 * many the same rows take as sheet-vanilla and as sheet-compressed. */
static void report_compression(const tabllm_table *table, const tabllm_encode_params *enc,
                               tabllm_tokenizer *tok, const char *text, size_t len)
{
    tabllm_encode_params vanilla = *enc;
    vanilla.encoding = TABLLM_ENCODING_SHEET_VANILLA;
    vanilla.max_tokens = 0;
    char *v = NULL;
    size_t vlen = 0;
    if (tabllm_table_encode(table, &vanilla, &v, &vlen) != TABLLM_OK)
        return;
    size_t before = tabllm_tokenizer_count_tokens(v, vlen, tok);
    size_t after = tabllm_tokenizer_count_tokens(text, len, tok);
    if (before != SIZE_MAX && after != SIZE_MAX && after > 0)
        fprintf(stderr, "tabllm encode: %zu tokens as sheet-vanilla, %zu as sheet-compressed "
                        "(compression ratio %.2f)\n",
                before, after, (double)before / (double)after);
    tabllm_free(v);
}
#endif

typedef struct options {
    tabllm_table_read_params read;
    tabllm_encode_params enc;
    const char *path;
    const char *format;
    const char *template_arg;
    const char *tokenizer;
    bool tapex, list;
    char **labels, **columns;
    size_t *rows;
} options;

static int usage(const char *fmt, const char *arg)
{
    return cli_usage_error(&cli_cmd_encode, fmt, arg);
}

static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

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

/* "0,2,5-9" into a row list. */
static bool parse_row_list(const char *s, size_t **rows_out, size_t *n_out)
{
    size_t n = 0, cap = 0;
    size_t *rows = NULL;
    const char *p = s;
    while (*p) {
        char *end;
        if (*p < '0' || *p > '9')
            goto bad;
        unsigned long long a = strtoull(p, &end, 10), b = a;
        if (*end == '-') {
            p = end + 1;
            if (*p < '0' || *p > '9')
                goto bad;
            b = strtoull(p, &end, 10);
            if (b < a || b - a > 100000000ull)
                goto bad;
        }
        for (unsigned long long r = a; r <= b; r++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                size_t *grown = realloc(rows, cap * sizeof *rows);
                if (grown == NULL)
                    goto bad;
                rows = grown;
            }
            rows[n++] = (size_t)r;
        }
        p = end;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            goto bad;
    }
    if (n == 0)
        goto bad;
    *rows_out = rows;
    *n_out = n;
    return true;
bad:
    free(rows);
    return false;
}

/* --rows: an explicit list or SAMPLING:N[:COL]. */
static int parse_rows(options *o, const char *spec)
{
    static const struct {
        const char *name;
        tabllm_row_sampling sampling;
    } kinds[] = {{"head", TABLLM_ROWS_HEAD},         {"random", TABLLM_ROWS_RANDOM},
                 {"stratified", TABLLM_ROWS_STRATIFIED}, {"evenly", TABLLM_ROWS_EVENLY},
                 {"relevant", TABLLM_ROWS_RELEVANT}};
    /* the last --rows wins, whole */
    o->enc.row_sampling = TABLLM_ROWS_ALL;
    o->enc.max_rows = 0;
    o->enc.stratify_column = NULL;
    o->enc.rows = NULL;
    o->enc.n_rows = 0;
    const char *colon = strchr(spec, ':');
    if (colon == NULL) {
        if (!parse_row_list(spec, &o->rows, &o->enc.n_rows))
            return usage("--rows: '%s' is not a row list such as 0,2,5-9", spec);
        o->enc.rows = o->rows;
        return 0;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t len = strlen(kinds[i].name);
        if ((size_t)(colon - spec) != len || strncmp(spec, kinds[i].name, len) != 0)
            continue;
        o->enc.row_sampling = kinds[i].sampling;
        char count[32];
        const char *rest = colon + 1, *colon2 = strchr(rest, ':');
        size_t clen = colon2 ? (size_t)(colon2 - rest) : strlen(rest);
        if (clen == 0 || clen >= sizeof count)
            return usage("--rows: '%s' needs a row count", spec);
        memcpy(count, rest, clen);
        count[clen] = '\0';
        uint64_t n;
        if (!parse_count(count, SIZE_MAX, &n))
            return usage("--rows: '%s' needs a row count", spec);
        o->enc.max_rows = (size_t)n;
        if (kinds[i].sampling == TABLLM_ROWS_STRATIFIED) {
            if (colon2 == NULL)
                return usage("--rows: '%s' needs the column: stratified:N:COLUMN", spec);
            o->enc.stratify_column = colon2 + 1;
        } else if (colon2 != NULL) {
            return usage("--rows: unexpected text in '%s'", spec);
        }
        return 0;
    }
    return usage("--rows: unknown sampling in '%s'", spec);
}

static int parse_delimiter(options *o, const char *s)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
        o->read.delimiter = '\t';
    else if (strlen(s) == 1)
        o->read.delimiter = (unsigned char)s[0];
    else
        return usage("--delimiter: '%s' is not one character (or 'tab')", s);
    return 0;
}

static int pick(const char *opt, const char *value, const char *const *names, size_t n,
                uint32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i] && strcmp(names[i], value) == 0) {
            *out = (uint32_t)i;
            return 0;
        }
    }
    fprintf(stderr, "tabllm encode: %s: unknown value '%s'\n", opt, value);
    return 2;
}

/* Options that take a value. Returns 0, or the exit status of a usage error. */
static int take_value(options *o, const char *opt, const char *v)
{
    static const char *const formats[] = {"auto", "csv", "tsv", "html", "json", "xlsx"};
    static const char *const ragged[] = {"pandas", "error", "pad", "truncate"};
    static const char *const orients[] = {"records", "split"};
    static const char *const cells[] = {"default", "verbatim", "pandas"};
    uint64_t n;
    size_t count;
    if (strcmp(opt, "--input-format") == 0)
        return pick(opt, v, formats, 6, &o->read.format);
    if (strcmp(opt, "--ragged") == 0)
        return pick(opt, v, ragged, 4, &o->read.ragged_policy);
    if (strcmp(opt, "--json-orient") == 0)
        return pick(opt, v, orients, 2, &o->enc.json_orient);
    if (strcmp(opt, "--cells") == 0)
        return pick(opt, v, cells, 3, &o->enc.cells);
    if (strcmp(opt, "--delimiter") == 0)
        return parse_delimiter(o, v);
    if (strcmp(opt, "--table-index") == 0) {
        if (!parse_count(v, UINT32_MAX, &n))
            return usage("--table-index: '%s' is not a table number", v);
        o->read.table_index = (uint32_t)n;
    } else if (strcmp(opt, "--sheet") == 0) {
        if (parse_count(v, INT32_MAX, &n))
            o->read.sheet_index = (int32_t)n;
        else
            o->read.sheet_name = v;
    } else if (strcmp(opt, "--format") == 0) {
        o->format = v;
    } else if (strcmp(opt, "--template") == 0) {
        o->template_arg = v;
    } else if (strcmp(opt, "--target") == 0) {
        o->enc.target = v;
    } else if (strcmp(opt, "--labels") == 0) {
        free(o->labels);
        if ((o->labels = split_list(v, &count)) == NULL)
            return usage("%s: out of memory", opt);
        o->enc.labels = (const char *const *)o->labels;
        o->enc.n_labels = count;
    } else if (strcmp(opt, "--columns") == 0) {
        free(o->columns);
        if ((o->columns = split_list(v, &count)) == NULL)
            return usage("%s: out of memory", opt);
        o->enc.columns = (const char *const *)o->columns;
        o->enc.n_columns = count;
    } else if (strcmp(opt, "--row") == 0) {
        if (!parse_count(v, INT64_MAX, &n))
            return usage("--row: '%s' is not a row number", v);
        o->enc.row = (int64_t)n;
    } else if (strcmp(opt, "--title") == 0) {
        o->enc.title = v;
    } else if (strcmp(opt, "--context") == 0) {
        o->enc.context = v;
    } else if (strcmp(opt, "--caption") == 0) {
        o->enc.caption = v;
    } else if (strcmp(opt, "--annotation") == 0) {
        o->enc.annotation = v;
    } else if (strcmp(opt, "--question") == 0) {
        o->enc.question = v;
    } else if (strcmp(opt, "--rows") == 0) {
        free(o->rows);
        o->rows = NULL;
        return parse_rows(o, v);
    } else if (strcmp(opt, "--seed") == 0) {
        if (!parse_count(v, UINT64_MAX, &n))
            return usage("--seed: '%s' is not a number", v);
        o->enc.seed = n;
    } else if (strcmp(opt, "--max-columns") == 0) {
        if (!parse_count(v, SIZE_MAX, &n))
            return usage("--max-columns: '%s' is not a number", v);
        o->enc.max_columns = (size_t)n;
    } else if (strcmp(opt, "--max-tokens") == 0) {
        if (!parse_count(v, SIZE_MAX, &n) || n == 0)
            return usage("--max-tokens: '%s' is not a positive number", v);
        o->enc.max_tokens = (size_t)n;
    } else if (strcmp(opt, "--tokenizer") == 0) {
        o->tokenizer = v;
    } else if (strcmp(opt, "--anchor-k") == 0) {
        if (!parse_count(v, UINT32_MAX, &n))
            return usage("--anchor-k: '%s' is not a number", v);
        o->enc.anchor_k = (uint32_t)n;
    }
    return 0;
}

static bool take_flag(options *o, const char *opt)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } flags[] = {
        {"--marks", TABLLM_ENCODE_PARTITION_MARKS},
        {"--grammar", TABLLM_ENCODE_GRAMMAR},
        {"--column-major", TABLLM_ENCODE_COLUMN_MAJOR},
        {"--no-inverted-index", TABLLM_ENCODE_NO_INVERTED_INDEX},
        {"--no-format-aggregation", TABLLM_ENCODE_NO_FORMAT_AGGREGATION},
        {"--no-anchors", TABLLM_ENCODE_NO_ANCHORS},
        {"--omit-header", TABLLM_ENCODE_NO_HEADER},
        {"--sheet-formats", TABLLM_ENCODE_SHEET_FORMATS},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(opt, flags[i].name) == 0) {
            o->enc.flags |= flags[i].bit;
            return true;
        }
    }
    if (strcmp(opt, "--no-header") == 0)
        o->read.flags |= TABLLM_READ_NO_HEADER;
    else if (strcmp(opt, "--tapex") == 0)
        o->tapex = true;
    else if (strcmp(opt, "--list") == 0)
        o->list = true;
    else
        return false;
    return true;
}

static bool takes_value(const char *opt)
{
    static const char *const names[] = {
        "--input-format", "--table-index", "--sheet",   "--delimiter", "--ragged",
        "--format",       "--json-orient", "--template", "--cells",     "--target",
        "--labels",       "--row",         "--title",    "--context",   "--caption",
        "--annotation",   "--question",    "--rows",     "--seed",      "--columns",
        "--max-columns",  "--max-tokens",  "--tokenizer", "--anchor-k",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(opt, names[i]) == 0)
            return true;
    return false;
}

static int parse_args(options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-") == 0 || a[0] != '-' || a[1] != '-') {
            if (o->path != NULL)
                return usage("more than one input file ('%s')", a);
            o->path = a;
        } else if (take_flag(o, a)) {
            continue;
        } else if (!takes_value(a)) {
            return usage("unknown option %s", a);
        } else if (i + 1 >= argc) {
            return usage("%s needs a value", a);
        } else {
            int st = take_value(o, a, argv[++i]);
            if (st != 0)
                return st;
        }
    }
    return 0;
}

/* --format, --tapex and --template, which depend on each other. */
static int resolve_encoding(options *o)
{
    tabllm_encoding e = TABLLM_ENCODING_MARKDOWN;
    if (o->format != NULL) {
        tabllm_status st = tabllm_encoding_from_name(o->format, &e);
        if (st != TABLLM_OK)
            return cli_fail(st, "--format");
    }
    if (o->tapex) {
        if (e != TABLLM_ENCODING_CABINET)
            return usage("--tapex goes with --format cabinet%s", "");
        e = TABLLM_ENCODING_CABINET_TAPEX;
    }
    o->enc.encoding = (uint32_t)e;
    if (o->template_arg != NULL) {
        if (e >= TABLLM_ENCODING_UNIPREDICT && e <= TABLLM_ENCODING_UNIPREDICT_LABELS) {
            static const char *const names[] = {"prompt_input", "without_metadata", "TabLLM"};
            return pick("--template", o->template_arg, names, 3, &o->enc.prompt_template);
        }
        o->enc.template_text = o->template_arg;
    }
    return 0;
}

/* All of stdin, refusing more than `limit` bytes (the reader's cap) before
 * holding it all. Says what went wrong itself. */
static char *read_stdin(size_t *len, uint64_t limit)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fprintf(stderr, "tabllm encode: out of memory reading stdin\n");
            return NULL;
        }
        n += fread(buf + n, 1, cap - n, stdin);
        if (ferror(stdin)) {
            fprintf(stderr, "tabllm encode: cannot read stdin\n");
            free(buf);
            return NULL;
        }
        if (n > limit) {
            fprintf(stderr, "tabllm encode: stdin holds more than %llu bytes\n",
                    (unsigned long long)limit);
            free(buf);
            return NULL;
        }
        if (n < cap) {
            *len = n;
            return buf;
        }
        char *grown = realloc(buf, cap * 2);
        if (grown == NULL)
            free(buf);
        buf = grown;
        cap *= 2;
    }
}

static int list_encodings(void)
{
    for (uint32_t e = 1; e < 128; e++) {
        const char *name = tabllm_encoding_name((tabllm_encoding)e);
        if (name != NULL)
            printf("%s\n", name);
    }
    return 0;
}

static int encode_table(options *o)
{
    tabllm_table *table = NULL;
    tabllm_status st;
    if (strcmp(o->path, "-") == 0) {
        size_t len;
        char *data = read_stdin(&len, o->read.max_input_bytes);
        if (data == NULL)
            return 1;
        st = tabllm_table_from_memory(data, len, &o->read, &table);
        free(data);
    } else {
        st = tabllm_table_load(o->path, &o->read, &table);
    }
    if (st != TABLLM_OK)
        return cli_fail(st, "reading the table");

#ifdef TABLLM_CLI_HAVE_TOKENIZER
    counter c = {NULL};
#endif
    if (o->tokenizer != NULL) {
#ifdef TABLLM_CLI_HAVE_TOKENIZER
        st = counter_load(o->tokenizer, &c);
        if (st != TABLLM_OK) {
            tabllm_table_free(table);
            return cli_fail(st, "loading the tokenizer");
        }
        counter_use(&c, &o->enc);
#else
        tabllm_table_free(table);
        fprintf(stderr, "tabllm encode: --tokenizer: this build of tabllm has no tokenizer "
                        "module\n");
        return 2;
#endif
    } else if (o->enc.max_tokens > 0) {
        tabllm_table_free(table);
        return usage("--max-tokens needs --tokenizer FILE%s", "");
    }

    char *text = NULL;
    size_t len = 0;
    st = tabllm_table_encode(table, &o->enc, &text, &len);
#ifdef TABLLM_CLI_HAVE_TOKENIZER
    if (c.tokenizer != NULL && st == TABLLM_OK &&
        o->enc.encoding == TABLLM_ENCODING_SHEET_COMPRESSED)
        report_compression(table, &o->enc, c.tokenizer, text, len);
    if (c.tokenizer != NULL)
        counter_free(&c);
#endif
    tabllm_table_free(table);
    if (st != TABLLM_OK)
        return cli_fail(st, "encoding the table");
    int rc = 0;
    if (len > 0 && fwrite(text, 1, len, stdout) != len)
        rc = 1;
    if (fflush(stdout) != 0)
        rc = 1;
    if (rc)
        fprintf(stderr, "tabllm encode: cannot write the output\n");
    tabllm_free(text);
    return rc;
}

static int run_encode(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    tabllm_table_read_params_init(&o.read, sizeof o.read);
    tabllm_encode_params_init(&o.enc, sizeof o.enc);
    int rc = parse_args(&o, argc, argv);
    if (rc == 0 && o.list)
        rc = list_encodings();
    else if (rc == 0 && o.path == NULL)
        rc = usage("no input file%s", "");
    else if (rc == 0 && (rc = resolve_encoding(&o)) == 0)
        rc = encode_table(&o);
    free(o.labels);
    free(o.columns);
    free(o.rows);
    return rc;
}

const cli_command cli_cmd_encode = {
    "encode",
    "print a table (CSV, TSV, HTML, JSON) as Markdown, CSV, JSON, a template, a paper's prompt",
    encode_usage,
    run_encode,
};
