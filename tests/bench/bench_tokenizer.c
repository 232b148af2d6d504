/* bench_tokenizer: single-thread encode speed (MB/s) and load time of a
 * tokenizer on a corpus of documents separated by 0x1E bytes.
 * usage: bench_tokenizer TOKENIZER_PATH CORPUS [THREADS]
 * Prints one line: name load_ms=... mb_per_s=... tokens=... [batch_mb_per_s=...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabllm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: on a shared machine, wall time also measures the
 * neighbours; both are printed. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_tokenizer TOKENIZER_PATH CORPUS [THREADS]\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, f) != (size_t)size)
        return 1;
    fclose(f);
    size_t n_docs = 0, cap = 1024;
    const char **docs = malloc(cap * sizeof *docs);
    size_t *lens = malloc(cap * sizeof *lens);
    for (char *p = text, *end = text + size; p < end;) {
        char *q = memchr(p, 0x1E, (size_t)(end - p));
        if (!q)
            q = end;
        if (n_docs == cap) {
            cap *= 2;
            docs = realloc(docs, cap * sizeof *docs);
            lens = realloc(lens, cap * sizeof *lens);
        }
        docs[n_docs] = p;
        lens[n_docs++] = (size_t)(q - p);
        p = q + 1;
    }
    double best_load = 1e9, best_load_cpu = 1e9;
    tabllm_tokenizer *t = NULL;
    for (int r = 0; r < 3; r++) {
        if (t)
            tabllm_tokenizer_free(t);
        double a = now(), ac = cpu();
        tabllm_status st = tabllm_tokenizer_load(argv[1], NULL, &t);
        double b = now(), bc = cpu();
        if (bc - ac < best_load_cpu)
            best_load_cpu = bc - ac;
        if (st != TABLLM_OK) {
            fprintf(stderr, "%s: %s\n", argv[1], tabllm_last_error());
            return 1;
        }
        if (b - a < best_load)
            best_load = b - a;
    }
    size_t id_cap = 1 << 20, total_tokens = 0, total_bytes = 0;
    tabllm_token *ids = malloc(id_cap * sizeof *ids);
    double a = now(), ac = cpu();
    for (size_t i = 0; i < n_docs; i++) {
        size_t n;
        tabllm_status st = tabllm_tokenizer_encode(t, docs[i], lens[i], 0, ids, id_cap, &n, NULL);
        if (st == TABLLM_ERR_BUFFER_TOO_SMALL) {
            id_cap = n;
            ids = realloc(ids, id_cap * sizeof *ids);
            st = tabllm_tokenizer_encode(t, docs[i], lens[i], 0, ids, id_cap, &n, NULL);
        }
        if (st != TABLLM_OK) {
            fprintf(stderr, "doc %zu: %s\n", i, tabllm_last_error());
            return 1;
        }
        total_tokens += n;
        total_bytes += lens[i];
    }
    double secs = now() - a, cpu_secs = cpu() - ac;
    printf("load_ms=%.1f load_cpu_ms=%.1f mb_per_s=%.2f cpu_mb_per_s=%.2f tokens=%zu bytes=%zu",
           best_load * 1e3, best_load_cpu * 1e3, total_bytes / secs / 1e6,
           total_bytes / cpu_secs / 1e6, total_tokens, total_bytes);
    if (argc > 3) {
        tabllm_token *bids;
        size_t *starts;
        a = now();
        if (tabllm_tokenizer_encode_batch(t, docs, lens, n_docs, 0, atoi(argv[3]), &bids, &starts) ==
            TABLLM_OK) {
            printf(" batch%s_mb_per_s=%.2f", argv[3], total_bytes / (now() - a) / 1e6);
            tabllm_free(bids);
            tabllm_free(starts);
        }
    }
    printf("\n");
    tabllm_tokenizer_free(t);
    free(ids);
    free(docs);
    free(lens);
    free(text);
    return 0;
}
