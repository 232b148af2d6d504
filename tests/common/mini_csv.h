/* A tiny CSV reader for tests that need a table before the library's own
 * reader is involved: RFC 4180 quoting as Python's csv module reads it
 * (doubled quotes, separators and newlines inside quotes, CRLF or LF), the
 * first row as the header, a UTF-8 BOM dropped, short rows padded with
 * missing cells as pandas does. Test code only. */
#ifndef TABLLM_TEST_MINI_CSV_H
#define TABLLM_TEST_MINI_CSV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/table.h"

typedef struct mini_row {
    char **fields;
    size_t *lens;
    size_t n;
} mini_row;

static void mini_row_free(mini_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->fields[i]);
    free(r->fields);
    free(r->lens);
    memset(r, 0, sizeof *r);
}

static void mini_push_field(mini_row *r, const char *s, size_t len)
{
    r->fields = realloc(r->fields, (r->n + 1) * sizeof *r->fields);
    r->lens = realloc(r->lens, (r->n + 1) * sizeof *r->lens);
    r->fields[r->n] = malloc(len + 1);
    memcpy(r->fields[r->n], s, len);
    r->fields[r->n][len] = '\0';
    r->lens[r->n++] = len;
}

/* Reads one record starting at *pos; false at the end of the text. */
static int mini_csv_record(const char *s, size_t len, size_t *pos, mini_row *row)
{
    size_t i = *pos;
    if (i >= len)
        return 0;
    char *field = malloc(len - i + 1);
    size_t flen = 0;
    int quoted = 0;
    for (;;) {
        if (i >= len) {
            mini_push_field(row, field, flen);
            break;
        }
        char c = s[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < len && s[i + 1] == '"') {
                    field[flen++] = '"';
                    i += 2;
                } else {
                    quoted = 0;
                    i++;
                }
            } else {
                field[flen++] = c;
                i++;
            }
            continue;
        }
        if (c == '"') {
            quoted = 1;
            i++;
        } else if (c == ',') {
            mini_push_field(row, field, flen);
            flen = 0;
            i++;
        } else if (c == '\r' || c == '\n') {
            mini_push_field(row, field, flen);
            if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
                i++;
            i++;
            break;
        } else {
            field[flen++] = c;
            i++;
        }
    }
    free(field);
    *pos = i;
    return 1;
}

/* Builds a table from CSV text; NULL on a row longer than the header. */
static tabllm_table *mini_csv_table(const char *s, size_t len)
{
    size_t pos = 0;
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    mini_row header = {0};
    if (!mini_csv_record(s, len, &pos, &header))
        return NULL;
    tabllm_table *t = NULL;
    if (tl_table_new(header.n, &t) != TABLLM_OK)
        return NULL;
    for (size_t c = 0; c < header.n; c++)
        tl_table_set_column_name(t, c, header.fields[c], header.lens[c]);
    mini_row row = {0};
    const char **texts = calloc(header.n + 1, sizeof *texts);
    size_t *lens = calloc(header.n + 1, sizeof *lens);
    while (mini_csv_record(s, len, &pos, &row)) {
        if (row.n == 1 && row.lens[0] == 0) { /* a blank line */
            mini_row_free(&row);
            continue;
        }
        if (row.n > header.n) {
            tl_table_destroy(t);
            t = NULL;
            mini_row_free(&row);
            break;
        }
        for (size_t c = 0; c < header.n; c++) {
            texts[c] = c < row.n ? row.fields[c] : NULL;
            lens[c] = c < row.n ? row.lens[c] : 0;
        }
        tl_table_append_row(t, texts, lens);
        mini_row_free(&row);
    }
    free(texts);
    free(lens);
    mini_row_free(&header);
    return t;
}

static tabllm_table *mini_csv_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    size_t got = fread(data, 1, (size_t)n, f);
    fclose(f);
    tabllm_table *t = mini_csv_table(data, got);
    free(data);
    return t;
}

#endif
