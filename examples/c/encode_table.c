/* Reads a table and prints it three ways: Markdown of the first rows, one
 * prompt per row from a template, and the rows most relevant to a question.
 *
 *   encode_table [file.csv]      (default: examples/data/cities.csv)
 *
 * Every call returns a tabllm_status; on failure tabllm_last_error() says
 * what went wrong and where. */
#include <stdio.h>
#include <stdlib.h>

#include <tabllm.h>

static int fail(tabllm_status st)
{
    fprintf(stderr, "error: %s (%s)\n", tabllm_last_error(), tabllm_status_string(st));
    return 1;
}

static const char *kind_name(tabllm_column_kind k)
{
    static const char *names[] = {"empty", "bool", "integer", "float", "date", "categorical", "text"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/data/cities.csv";
    tabllm_table *table = NULL;
    tabllm_status st = tabllm_table_load(path, NULL, &table);
    if (st != TABLLM_OK)
        return fail(st);

    size_t n_rows = tabllm_table_n_rows(table), n_cols = tabllm_table_n_columns(table);
    printf("%s: %zu rows, %zu columns\n", path, n_rows, n_cols);
    for (size_t c = 0; c < n_cols; c++)
        printf("  %-22s %s\n", tabllm_table_column_name(table, c),
               kind_name(tabllm_table_column_kind(table, c)));

    /* Markdown of the first three rows. */
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_MARKDOWN;
    p.row_sampling = TABLLM_ROWS_HEAD;
    p.max_rows = 3;
    char *text = NULL;
    if ((st = tabllm_table_encode(table, &p, &text, NULL)) != TABLLM_OK)
        goto out;
    printf("\n%s", text);
    tabllm_free(text);

    /* One prompt for row 1, from a template with {column} placeholders. */
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_TEMPLATE;
    p.template_text = "{city} ({country}) has {population_millions} million people.";
    p.row = 1;
    if ((st = tabllm_table_encode(table, &p, &text, NULL)) != TABLLM_OK)
        goto out;
    printf("\n%s", text);
    tabllm_free(text);

    /* The two rows most relevant to a question (BM25), as CSV. */
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_CSV;
    p.question = "Which cities are in India?";
    p.row_sampling = TABLLM_ROWS_RELEVANT;
    p.max_rows = 2;
    if ((st = tabllm_table_encode(table, &p, &text, NULL)) != TABLLM_OK)
        goto out;
    printf("\n%s", text);
    tabllm_free(text);

out:
    if (st != TABLLM_OK)
        fail(st);
    tabllm_table_free(table);
    return st == TABLLM_OK ? 0 : 1;
}
