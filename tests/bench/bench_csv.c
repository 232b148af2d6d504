/* CSV parse speed: reads a CSV file into a table with tabllm_table_load and
 * prints MB/s, the table's size and the peak memory. With --generate SIZE_MB
 * it writes the benchmark's input instead: a mixed table (integers, decimals,
 * dates, words, quoted fields with commas and doubled quotes, empty cells),
 * the same bytes on every run. tests/bench/bench_csv.sh runs both and the
 * Python references.
 *   bench_csv --generate 100 > big.csv
 *   bench_csv big.csv [REPEAT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tabllm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t state = 12345;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static int generate(double megabytes)
{
    static const char *words[] = {"alpha", "beta", "gamma", "delta", "Paris", "Lyon", "red",
                                  "blue", "setosa", "versicolor", "virginica", "yes", "no"};
    size_t target = (size_t)(megabytes * 1e6), written = 0;
    char line[512];
    written += (size_t)printf("id,value,price,date,city,label,note,count\n");
    for (unsigned long id = 0; written < target; id++) {
        uint64_t r = next();
        int n = snprintf(line, sizeof line, "%lu,%ld,%lu.%02lu,20%02lu-%02lu-%02lu,%s,%s,", id,
                         (long)(r % 200001) - 100000, (unsigned long)(r >> 20) % 10000,
                         (unsigned long)(r >> 34) % 100, (unsigned long)(r >> 41) % 25,
                         1 + (unsigned long)(r >> 46) % 12, 1 + (unsigned long)(r >> 50) % 28,
                         words[(r >> 8) % 13], words[(r >> 12) % 3 + 8]);
        switch ((r >> 55) % 4) {
        case 0: n += snprintf(line + n, sizeof line - (size_t)n, "\"%s, %s\"", words[r % 13],
                              words[(r >> 3) % 13]); break;
        case 1: n += snprintf(line + n, sizeof line - (size_t)n, "\"say \"\"%s\"\"\"",
                              words[r % 13]); break;
        case 2: break; /* empty */
        default: n += snprintf(line + n, sizeof line - (size_t)n, "%s %s %s", words[r % 13],
                               words[(r >> 4) % 13], words[(r >> 9) % 13]);
        }
        n += snprintf(line + n, sizeof line - (size_t)n, ",%lu\n", (unsigned long)(r >> 30) % 1000);
        fwrite(line, 1, (size_t)n, stdout);
        written += (size_t)n;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--generate") == 0)
        return generate(atof(argv[2]));
    if (argc < 2) {
        fprintf(stderr, "usage: bench_csv FILE.csv [REPEAT] | bench_csv --generate SIZE_MB\n");
        return 2;
    }
    int repeat = argc > 2 ? atoi(argv[2]) : 1;
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    double mb = (double)ftell(f) / 1e6;
    fclose(f);
    double best = 1e300;
    size_t rows = 0, cols = 0;
    for (int i = 0; i < repeat; i++) {
        tabllm_table *t;
        double t0 = now();
        tabllm_status st = tabllm_table_load(argv[1], NULL, &t);
        double dt = now() - t0;
        if (st != TABLLM_OK) {
            fprintf(stderr, "bench_csv: %s\n", tabllm_last_error());
            return 1;
        }
        rows = tabllm_table_n_rows(t);
        cols = tabllm_table_n_columns(t);
        tabllm_table_free(t);
        if (dt < best)
            best = dt;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("libtabllm: %.1f MB in %.3f s = %.1f MB/s (%zu rows x %zu columns, peak RSS %.0f MB)\n",
           mb, best, mb / best, rows, cols, (double)ru.ru_maxrss / 1024.0);
    return 0;
}
