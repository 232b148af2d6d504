/* The paper-format conformance cases: a CSV, the `tabllm encode` arguments
 * and the exact expected bytes (or an expected table-shape error). They come
 * from the goldens' manifest.json (the authors' own outputs) or from a
 * cases.json written by generate.sh (goldens from the documented rules). */
#ifndef TABLLM_PAPER_CASES_H
#define TABLLM_PAPER_CASES_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAPER_MAX_ARGS 40

typedef struct paper_case {
    char *name;   /* for messages */
    char *input;  /* the CSV */
    char *golden; /* expected output file; NULL when an error is expected */
    char *error;  /* then: a fragment of the expected message */
    int argc;
    char *argv[PAPER_MAX_ARGS]; /* after "encode", without the file */
} paper_case;

typedef struct paper_cases {
    paper_case *items;
    size_t n, cap;
} paper_cases;

static char *paper_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

static paper_case *paper_add(paper_cases *cs, const char *name, const char *input,
                             const char *golden, const char *error)
{
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 64;
        cs->items = realloc(cs->items, cs->cap * sizeof *cs->items);
    }
    paper_case *c = &cs->items[cs->n++];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->input = strdup(input);
    c->golden = golden ? strdup(golden) : NULL;
    c->error = error ? strdup(error) : NULL;
    return c;
}

static void paper_arg(paper_case *c, const char *arg)
{
    if (c->argc < PAPER_MAX_ARGS)
        c->argv[c->argc++] = strdup(arg);
}

static void paper_cases_free(paper_cases *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        paper_case *c = &cs->items[i];
        free(c->name);
        free(c->input);
        free(c->golden);
        free(c->error);
        for (int a = 0; a < c->argc; a++)
            free(c->argv[a]);
    }
    free(cs->items);
    memset(cs, 0, sizeof *cs);
}

static const char *paper_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* "markdown_grid.marks.grammar.colmajor" -> the tabllm arguments. */
static void paper_tp_args(paper_case *c, const char *key, json_t *tp)
{
    char fmt[64];
    size_t n = strcspn(key, ".");
    char base[48];
    snprintf(base, sizeof base, "%.*s", (int)n, key);
    for (char *p = base; *p; p++)
        if (*p == '_')
            *p = '-';
    snprintf(fmt, sizeof fmt, "tp-%s", base);
    paper_arg(c, "--format");
    paper_arg(c, fmt);
    if (strstr(key, ".marks") != NULL)
        paper_arg(c, "--marks");
    if (strstr(key, ".grammar") != NULL)
        paper_arg(c, "--grammar");
    if (strstr(key, ".colmajor") != NULL)
        paper_arg(c, "--column-major");
    paper_arg(c, "--title");
    paper_arg(c, paper_str(tp, "title"));
    paper_arg(c, "--context");
    paper_arg(c, paper_str(tp, "context"));
    paper_arg(c, "--caption");
    paper_arg(c, paper_str(tp, "caption"));
}

/* Every golden of the authors' outputs, from manifest.json in `dir`. */
static int paper_cases_from_manifest(const char *dir, paper_cases *cs)
{
    char *path = paper_join(dir, "manifest.json");
    json_error_t err;
    json_t *m = json_load_file(path, 0, &err);
    free(path);
    if (m == NULL)
        return -1;
    size_t ti;
    json_t *t;
    json_array_foreach(json_object_get(m, "tables"), ti, t) {
        char *input = paper_join(dir, paper_str(t, "input"));
        const char *target = paper_str(t, "target");
        char name[256], golden_rel[256];

        /* rtfm: choices in the order rtfm rendered them */
        json_t *rtfm = json_object_get(t, "rtfm");
        json_t *files = json_object_get(rtfm, "files");
        char labels[1024] = "";
        size_t li;
        json_t *lv;
        json_array_foreach(json_object_get(rtfm, "choices_rendered"), li, lv) {
            if (li > 0)
                strncat(labels, ",", sizeof labels - strlen(labels) - 1);
            strncat(labels, json_string_value(lv), sizeof labels - strlen(labels) - 1);
        }
        const char *key;
        json_t *fv;
        json_object_foreach(files, key, fv) {
            char fmt[64];
            snprintf(fmt, sizeof fmt, "%s", key);
            for (char *p = fmt; *p; p++)
                if (*p == '_')
                    *p = '-';
            size_t count = json_is_array(fv) ? json_array_size(fv) : 1;
            for (size_t r = 0; r < count; r++) {
                json_t *file = json_is_array(fv) ? json_array_get(fv, r) : fv;
                snprintf(golden_rel, sizeof golden_rel, "golden/%s", json_string_value(file));
                char *golden = paper_join(dir, golden_rel);
                paper_case *c = paper_add(cs, json_string_value(file), input, golden, NULL);
                free(golden);
                paper_arg(c, "--format");
                paper_arg(c, fmt);
                paper_arg(c, "--target");
                paper_arg(c, target);
                paper_arg(c, "--labels");
                paper_arg(c, labels);
                if (json_is_array(fv)) {
                    char row[32];
                    snprintf(row, sizeof row, "%zu", r);
                    paper_arg(c, "--row");
                    paper_arg(c, row);
                }
            }
        }

        /* TableProvider */
        json_t *tp = json_object_get(t, "tableprovider");
        json_object_foreach(json_object_get(tp, "files"), key, fv) {
            snprintf(golden_rel, sizeof golden_rel, "golden/%s", json_string_value(fv));
            char *golden = paper_join(dir, golden_rel);
            paper_case *c = paper_add(cs, json_string_value(fv), input, golden, NULL);
            free(golden);
            paper_tp_args(c, key, tp);
        }
        json_object_foreach(json_object_get(tp, "errors"), key, fv) {
            snprintf(name, sizeof name, "%s tp_%s (raises %s)", paper_str(t, "table"), key,
                     json_string_value(fv));
            /* TableProvider's code raises: a table-shape error naming it */
            paper_case *c = paper_add(cs, name, input, NULL, "square");
            paper_tp_args(c, key, tp);
        }

        /* UniPredict */
        json_t *up = json_object_get(t, "unipredict");
        json_object_foreach(json_object_get(up, "files"), key, fv) {
            snprintf(golden_rel, sizeof golden_rel, "golden/%s", json_string_value(fv));
            char *golden = paper_join(dir, golden_rel);
            paper_case *c = paper_add(cs, json_string_value(fv), input, golden, NULL);
            free(golden);
            if (strcmp(key, "labels") == 0 || strcmp(key, "rows") == 0) {
                paper_arg(c, "--format");
                paper_arg(c, strcmp(key, "labels") == 0 ? "unipredict-labels" : "unipredict-rows");
                paper_arg(c, "--target");
                paper_arg(c, target);
                continue;
            }
            /* "prompt_input.r04" */
            char tmpl[64];
            size_t n = strcspn(key, ".");
            snprintf(tmpl, sizeof tmpl, "%.*s", (int)n, key);
            const char *dot = strchr(key, '.');
            char row[32];
            snprintf(row, sizeof row, "%d", dot ? atoi(dot + 2) : 0);
            paper_arg(c, "--format");
            paper_arg(c, "unipredict");
            paper_arg(c, "--target");
            paper_arg(c, target);
            paper_arg(c, "--annotation");
            paper_arg(c, paper_str(up, "annotations"));
            paper_arg(c, "--template");
            paper_arg(c, tmpl);
            paper_arg(c, "--row");
            paper_arg(c, row);
        }

        /* CABINET */
        json_t *cab = json_object_get(t, "cabinet");
        json_object_foreach(json_object_get(cab, "files"), key, fv) {
            snprintf(golden_rel, sizeof golden_rel, "golden/%s", json_string_value(fv));
            char *golden = paper_join(dir, golden_rel);
            paper_case *c = paper_add(cs, json_string_value(fv), input, golden, NULL);
            free(golden);
            paper_arg(c, "--format");
            paper_arg(c, "cabinet");
            if (strcmp(key, "tapex") == 0) {
                paper_arg(c, "--tapex");
                paper_arg(c, "--question");
                paper_arg(c, paper_str(cab, "question"));
            }
        }
        free(input);
    }
    json_decref(m);
    return 0;
}

/* cases.json from generate.sh: [{"name", "input", "golden" | null, "error",
 * "args"}], paths relative to `dir`; "error" is a fragment of the message
 * expected when "golden" is null. */
static int paper_cases_from_list(const char *dir, paper_cases *cs)
{
    char *path = paper_join(dir, "cases.json");
    json_error_t err;
    json_t *list = json_load_file(path, 0, &err);
    free(path);
    if (list == NULL)
        return -1;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        char *input = paper_join(dir, paper_str(item, "input"));
        json_t *g = json_object_get(item, "golden");
        char *golden = json_is_string(g) ? paper_join(dir, json_string_value(g)) : NULL;
        const char *error = golden ? NULL : paper_str(item, "error");
        paper_case *c = paper_add(cs, paper_str(item, "name"), input, golden, error);
        free(input);
        free(golden);
        size_t a;
        json_t *arg;
        json_array_foreach(json_object_get(item, "args"), a, arg)
            paper_arg(c, json_string_value(arg));
    }
    json_decref(list);
    return 0;
}

static char *paper_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    *len = fread(data, 1, (size_t)n, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

/* Where two outputs first differ, for the failure message. */
static void paper_report_diff(const char *name, const char *want, size_t want_len,
                              const char *got, size_t got_len)
{
    size_t i = 0;
    while (i < want_len && i < got_len && want[i] == got[i])
        i++;
    size_t from = i > 40 ? i - 40 : 0;
    fprintf(stderr, "MISMATCH %s at byte %zu (expected %zu bytes, got %zu)\n", name, i, want_len,
            got_len);
    fprintf(stderr, "  expected: ...%.*s\n", (int)((want_len - from) < 100 ? want_len - from : 100),
            want + from);
    fprintf(stderr, "  got:      ...%.*s\n", (int)((got_len - from) < 100 ? got_len - from : 100),
            got + from);
}

#endif
