/* The LoRA benchmark in one process: one model, one adapter, three
 * sessions (no adapter; the adapter unmerged; merged), timed in turn for
 * ROUNDS rounds on the same random tokens, so the page cache, the CPU's
 * frequency and the other processes of a shared machine weigh on all three
 * alike. Times are the process's CPU seconds (with one thread, the work
 * done) and wall seconds; printed as medians and ratios to the base.
 *   bench_lora MODEL_DIR ADAPTER_DIR [THREADS] [ROUNDS] [PREFILL] [DECODE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tabllm.h"

enum { BASE, UNMERGED, MERGED, N_CONFIG };
static const char *names[N_CONFIG] = {"base", "unmerged", "merged"};

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void check(tabllm_status st, const char *what)
{
    if (st != TABLLM_OK) {
        fprintf(stderr, "bench_lora: %s: %s\n", what, tabllm_last_error());
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_lora MODEL_DIR ADAPTER_DIR [THREADS] [ROUNDS] [PREFILL] "
                        "[DECODE]\n");
        return 2;
    }
    int threads = argc > 3 ? atoi(argv[3]) : 1, rounds = argc > 4 ? atoi(argv[4]) : 5;
    int prefill = argc > 5 ? atoi(argv[5]) : 256, decode = argc > 6 ? atoi(argv[6]) : 32;
    tabllm_set_blas_threads(1, NULL);
    tabllm_model *m;
    check(tabllm_model_load(argv[1], NULL, &m), argv[1]);
    tabllm_adapter *a;
    check(tabllm_adapter_load(m, argv[2], NULL, &a), argv[2]);
    tabllm_session *s[N_CONFIG];
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = (uint32_t)(prefill + decode);
    sp.n_threads = (uint32_t)threads;
    for (int c = 0; c < N_CONFIG; c++) {
        check(tabllm_session_new(m, &sp, &s[c]), "session");
        if (c != BASE)
            check(tabllm_session_set_adapters(s[c], &a, NULL, 1), "set adapters");
        if (c == MERGED)
            check(tabllm_session_merge_adapters(s[c]), "merge");
    }
    int32_t vocab = tabllm_model_n_vocab(m);
    tabllm_token *ids = malloc((size_t)(prefill + decode) * sizeof *ids);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < prefill + decode; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ids[i] = (tabllm_token)(x % (uint64_t)vocab);
    }
    double *t = calloc((size_t)rounds * N_CONFIG * 4, sizeof *t); /* [phase][clock][config][round] */
#define T(phase, clk, c, r) t[(((phase) * 2 + (clk)) * N_CONFIG + (c)) * rounds + (r)]
    for (int r = -1; r < rounds; r++) /* round -1 warms up */
        for (int c = 0; c < N_CONFIG; c++) {
            int k = (c + (r < 0 ? 0 : r)) % N_CONFIG; /* rotate who goes first */
            tabllm_session_seq_clear(s[k], -1);
            double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)prefill, .tokens = ids};
            check(tabllm_session_decode(s[k], &b), "prefill");
            double w1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < decode; i++) {
                tabllm_batch d = {.struct_size = sizeof d, .n_tokens = 1, .tokens = &ids[prefill + i]};
                check(tabllm_session_decode(s[k], &d), "decode");
            }
            double w2 = clock_s(CLOCK_MONOTONIC), c2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
            if (r < 0)
                continue;
            T(0, 0, k, r) = c1 - c0;
            T(0, 1, k, r) = w1 - w0;
            T(1, 0, k, r) = c2 - c1;
            T(1, 1, k, r) = w2 - w1;
        }
    printf("%s + r=%d adapter (%s), %d thread(s), %d rounds of prefill %d and decode %d\n",
           argv[1], tabllm_adapter_rank(a), argv[2], threads, rounds, prefill, decode);
    for (int phase = 0; phase < 2; phase++)
        for (int clk = 0; clk < 2; clk++) {
            double med[N_CONFIG];
            for (int c = 0; c < N_CONFIG; c++)
                med[c] = median(&T(phase, clk, c, 0), rounds);
            printf("  %-8s %-4s", phase ? "decode" : "prefill", clk ? "wall" : "cpu");
            for (int c = 0; c < N_CONFIG; c++)
                printf(" | %s %7.3f s (%.3fx)", names[c], med[c], med[c] / med[BASE]);
            printf("\n");
        }
    for (int c = 0; c < N_CONFIG; c++)
        tabllm_session_free(s[c]);
    tabllm_adapter_free(a);
    tabllm_model_free(m);
    free(ids);
    free(t);
    return 0;
}
