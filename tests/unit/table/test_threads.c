/* Reading and encoding from several threads at once: one shared table
 * encoded concurrently gives the same text everywhere, and HTML pages are
 * parsed in parallel (libxml2 parser contexts are per call). */
#include <pthread.h>

#include "table_test.h"

#define THREADS 4
#define ROUNDS 20

static const char *page = "<table><tr><th>a</th><th>b</th></tr>"
                          "<tr><td rowspan=2>x</td><td>1</td></tr><tr><td>2</td></tr></table>";

typedef struct job {
    const tabllm_table *table;
    const char *expected;
    int failures;
} job;

static void *work(void *arg)
{
    job *j = arg;
    for (int i = 0; i < ROUNDS; i++) {
        tabllm_encode_params p;
        tabllm_encode_params_init(&p, sizeof p);
        p.encoding = TABLLM_ENCODING_JSON;
        p.row_sampling = TABLLM_ROWS_RANDOM;
        p.max_rows = 3;
        p.seed = 9;
        char *out = NULL;
        if (tabllm_table_encode(j->table, &p, &out, NULL) != TABLLM_OK ||
            strcmp(out, j->expected) != 0)
            j->failures++;
        tabllm_free(out);
        tabllm_table *t = NULL;
        if (tabllm_table_from_memory(page, strlen(page), NULL, &t) != TABLLM_OK ||
            tabllm_table_n_rows(t) != 2 ||
            strcmp(tabllm_table_cell(t, 1, 0, NULL, NULL), "x") != 0)
            j->failures++;
        tabllm_table_free(t);
    }
    return NULL;
}

static void test_concurrent_encode_and_read(void **state)
{
    (void)state;
    tabllm_table *t = read_text("k,v\na,1\nb,2\nc,3\nd,4\ne,5\n", TABLLM_TABLE_FORMAT_CSV, 0);
    tabllm_encode_params p;
    tabllm_encode_params_init(&p, sizeof p);
    p.encoding = TABLLM_ENCODING_JSON;
    p.row_sampling = TABLLM_ROWS_RANDOM;
    p.max_rows = 3;
    p.seed = 9;
    char *expected;
    assert_ok(tabllm_table_encode(t, &p, &expected, NULL));
    job jobs[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){t, expected, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, work, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
    tabllm_free(expected);
    tabllm_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_encode_and_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
