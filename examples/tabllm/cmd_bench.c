/* tabllm bench: times the library alone on random token ids, phase by
 * phase, so a script can set the numbers beside another engine's. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "model_common.h"

static int run(int argc, char **argv);

const cli_command cli_cmd_bench = {
    "bench", "time prefill, decode and batched decoding on random token ids",
    "tabllm bench --model DIR [--lora DIR[=SCALE]]... [--prefill N] [--decode N]\n"
    "             [--batch SEQSxTOKENS] [--threads N] [--weights auto|f32|bf16|f16] [--json]\n"
    "OpenBLAS is set to one thread; --threads is the session's thread count.",
    run};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static tabllm_token random_token(int32_t vocab)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (tabllm_token)(rng % (uint64_t)vocab);
}

static tabllm_status decode_ids(tabllm_session *s, const tabllm_token *ids, const int32_t *seqs,
                                const int8_t *logits, uint32_t n)
{
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = n, .tokens = ids, .seq_ids = seqs,
                      .logits = logits};
    return tabllm_session_decode(s, &b);
}

static int run(int argc, char **argv)
{
    cli_model_opts o;
    cli_model_opts_init(&o);
    long prefill = 512, decode = 128, seqs = 0, per_seq = 0;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        int used = cli_model_opt(&o, argc, argv, i);
        if (used < 0)
            return cli_usage_error(&cli_cmd_bench, "%s needs a value", argv[i]);
        if (used > 0)
            i += used - 1;
        else if (strcmp(argv[i], "--prefill") == 0 && i + 1 < argc)
            prefill = atol(argv[++i]);
        else if (strcmp(argv[i], "--decode") == 0 && i + 1 < argc)
            decode = atol(argv[++i]);
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            if (sscanf(argv[++i], "%ldx%ld", &seqs, &per_seq) != 2 || seqs < 1 || per_seq < 1)
                return cli_usage_error(&cli_cmd_bench, "--batch takes SEQSxTOKENS, e.g. 16x64");
        } else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return cli_usage_error(&cli_cmd_bench, "unknown option '%s'", argv[i]);
    }
    if (o.model == NULL)
        return cli_usage_error(&cli_cmd_bench, "--model is required");
    if (prefill < 1 || decode < 0 || prefill > 1 << 20 || decode > 1 << 20)
        return cli_usage_error(&cli_cmd_bench, "--prefill must be >= 1 and --decode >= 0");
    uint32_t n_ctx = (uint32_t)(prefill + decode);
    if (per_seq > n_ctx)
        n_ctx = (uint32_t)per_seq;
    double t0 = now();
    tabllm_model *model;
    tabllm_session *s;
    int rc = cli_open_model(&o, n_ctx, seqs > 0 ? (uint32_t)seqs : 1, &model, &s);
    if (rc != 0)
        return rc;
    double load_s = now() - t0;
    int32_t vocab = tabllm_model_n_vocab(model);
    size_t rows = (size_t)prefill > (size_t)(seqs * per_seq) ? (size_t)prefill
                                                            : (size_t)(seqs * per_seq);
    if (rows < 16)
        rows = 16; /* the warm-up batch */
    tabllm_token *ids = malloc(rows * sizeof *ids);
    int32_t *seq_ids = calloc(rows, sizeof *seq_ids);
    int8_t *want = calloc(rows, 1);
    tabllm_status st;
    /* warm-up: touches every weight page and sizes the buffers */
    for (size_t i = 0; i < 16; i++)
        ids[i] = random_token(vocab);
    if ((st = decode_ids(s, ids, NULL, NULL, prefill < 16 ? (uint32_t)prefill : 16)) != TABLLM_OK)
        return cli_fail(st, "warm-up");
    tabllm_session_seq_clear(s, -1);

    for (long i = 0; i < prefill; i++)
        ids[i] = random_token(vocab);
    t0 = now();
    st = decode_ids(s, ids, NULL, NULL, (uint32_t)prefill);
    double prefill_s = now() - t0;
    if (st != TABLLM_OK)
        return cli_fail(st, "prefill");

    t0 = now();
    for (long i = 0; i < decode && st == TABLLM_OK; i++) {
        tabllm_token t = random_token(vocab);
        st = decode_ids(s, &t, NULL, NULL, 1);
    }
    double decode_s = now() - t0;
    if (st != TABLLM_OK)
        return cli_fail(st, "decode");

    double batch_s = 0;
    if (seqs > 0) {
        tabllm_session_seq_clear(s, -1);
        size_t n = 0;
        for (long q = 0; q < seqs; q++)
            for (long t = 0; t < per_seq; t++) {
                ids[n] = random_token(vocab);
                seq_ids[n] = (int32_t)q;
                want[n] = t + 1 == per_seq;
                n++;
            }
        t0 = now();
        st = decode_ids(s, ids, seq_ids, want, (uint32_t)n);
        batch_s = now() - t0;
        if (st != TABLLM_OK)
            return cli_fail(st, "batch");
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss_mb = ru.ru_maxrss / 1024.0;
    double wb = (double)tabllm_model_weight_bytes(model);
    double decode_tps = decode > 0 ? decode / decode_s : 0;
    if (json) {
        printf("{\"model\": \"%s\", \"architecture\": \"%s\", \"threads\": %d, \"load_s\": %.4f, "
               "\"prefill_tokens\": %ld, \"prefill_tps\": %.2f, \"decode_tokens\": %ld, "
               "\"decode_tps\": %.2f, \"batch\": \"%ldx%ld\", \"batch_tps\": %.2f, "
               "\"peak_rss_mb\": %.1f, \"weight_bytes\": %.0f, \"decode_gbs\": %.2f}\n",
               o.model, tabllm_model_architecture(model), o.threads, load_s, prefill,
               prefill / prefill_s, decode, decode_tps, seqs, per_seq,
               seqs > 0 ? seqs * per_seq / batch_s : 0, rss_mb, wb, wb * decode_tps / 1e9);
    } else {
        printf("model        %s (%s), %d thread(s)\n", o.model, tabllm_model_architecture(model),
               o.threads);
        printf("load         %.3f s\n", load_s);
        printf("prefill      %ld tokens: %.1f tokens/s\n", prefill, prefill / prefill_s);
        if (decode > 0)
            printf("decode       %ld tokens: %.2f tokens/s (%.1f GB/s of weights)\n", decode,
                   decode_tps, wb * decode_tps / 1e9);
        if (seqs > 0)
            printf("batch        %ldx%ld tokens: %.1f tokens/s\n", seqs, per_seq,
                   seqs * per_seq / batch_s);
        printf("peak RSS     %.1f MB (weights %.1f MB)\n", rss_mb, wb / 1e6);
    }
    free(ids);
    free(seq_ids);
    free(want);
    tabllm_session_free(s);
    tabllm_model_free(model);
    return 0;
}
