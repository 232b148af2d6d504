/* STREAM triad (a[i] = b[i] + s*c[i]) on N threads: the machine's
 * sustainable memory bandwidth, the yardstick for decode efficiency.
 * Counts 3 arrays x 8 bytes per element as STREAM does (no write-allocate).
 * usage: stream_triad THREADS [MB_PER_ARRAY] -> prints GB/s (best of 5) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double *a, *b, *c;
static size_t n;
static int nt;
static pthread_barrier_t bar;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double best = 1e30;

static void *worker(void *arg)
{
    long id = (long)arg;
    size_t lo = n * id / nt, hi = n * (id + 1) / nt;
    for (size_t i = lo; i < hi; i++) {
        a[i] = 1;
        b[i] = 2;
        c[i] = 0;
    }
    for (int rep = 0; rep < 6; rep++) {
        pthread_barrier_wait(&bar);
        double t = now();
        for (size_t i = lo; i < hi; i++)
            a[i] = b[i] + 3.0 * c[i];
        pthread_barrier_wait(&bar);
        t = now() - t;
        if (id == 0 && rep > 0 && t < best)
            best = t;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    nt = argc > 1 ? atoi(argv[1]) : 1;
    size_t mb = argc > 2 ? (size_t)atol(argv[2]) : 256;
    n = mb * 1024 * 1024 / sizeof(double);
    a = malloc(n * 8);
    b = malloc(n * 8);
    c = malloc(n * 8);
    pthread_barrier_init(&bar, NULL, (unsigned)nt);
    pthread_t th[64];
    for (long i = 1; i < nt; i++)
        pthread_create(&th[i], NULL, worker, (void *)i);
    worker((void *)0);
    for (long i = 1; i < nt; i++)
        pthread_join(th[i], NULL);
    printf("%.2f\n", 3.0 * n * 8 / best / 1e9);
    return a[7] == 2 + 3.0 * c[7] ? 0 : 1;
}
