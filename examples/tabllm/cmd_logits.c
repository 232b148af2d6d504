/* tabllm logits: runs a model on token ids and writes the logits as a
 * float32 NumPy .npy file, [n_tokens, vocab] with --all, else [1, vocab]. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model_common.h"

static int run(int argc, char **argv);

const cli_command cli_cmd_logits = {
    "logits", "write a model's logits for token ids as a .npy file",
    "tabllm logits --model DIR [--lora DIR[=SCALE]]... --ids 1,2,3,... [--all] --out FILE.npy\n"
    "              [--threads N] [--weights auto|f32|bf16|f16]",
    run};

/* NumPy format 1.0: magic, header length, a dict padded so the data starts
 * at a multiple of 64 bytes. */
static int write_npy(const char *path, const float *data, size_t rows, size_t cols)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "tabllm logits: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    char header[256];
    int n = snprintf(header, sizeof header,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", rows, cols);
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    memset(header + n, ' ', pad);
    header[n + pad] = '\n';
    size_t hlen = (size_t)n + pad + 1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, hlen, f) == hlen &&
             fwrite(data, sizeof(float), rows * cols, f) == rows * cols;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "tabllm logits: writing %s failed\n", path);
        return 1;
    }
    return 0;
}

static int run(int argc, char **argv)
{
    cli_model_opts o;
    cli_model_opts_init(&o);
    const char *ids_text = NULL, *out = NULL;
    int all = 0;
    for (int i = 1; i < argc; i++) {
        int used = cli_model_opt(&o, argc, argv, i);
        if (used < 0)
            return cli_usage_error(&cli_cmd_logits, "%s needs a value", argv[i]);
        if (used > 0) {
            i += used - 1;
        } else if (strcmp(argv[i], "--ids") == 0 && i + 1 < argc) {
            ids_text = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--all") == 0) {
            all = 1;
        } else {
            return cli_usage_error(&cli_cmd_logits, "unknown option '%s'", argv[i]);
        }
    }
    if (o.model == NULL || ids_text == NULL || out == NULL)
        return cli_usage_error(&cli_cmd_logits, "--model, --ids and --out are required");
    tabllm_token *ids = NULL;
    size_t n_ids = 0;
    if (cli_parse_ids(ids_text, &ids, &n_ids) != 0)
        return cli_usage_error(&cli_cmd_logits, "--ids must be comma-separated token ids");
    tabllm_model *model = NULL;
    tabllm_session *session = NULL;
    int rc = cli_open_model(&o, (uint32_t)n_ids, 1, &model, &session);
    if (rc != 0) {
        free(ids);
        return rc;
    }
    int8_t *want = calloc(n_ids, 1);
    for (size_t i = 0; i < n_ids; i++)
        want[i] = all || i + 1 == n_ids;
    tabllm_batch b = {.struct_size = sizeof b, .n_tokens = (uint32_t)n_ids, .tokens = ids,
                      .logits = want};
    tabllm_status st = tabllm_session_decode(session, &b);
    if (st != TABLLM_OK) {
        rc = cli_fail(st, "decode");
    } else {
        size_t V = (size_t)tabllm_model_n_vocab(model), rows = all ? n_ids : 1;
        float *data = malloc(rows * V * sizeof(float));
        for (size_t r = 0; r < rows && st == TABLLM_OK; r++) {
            const float *l;
            st = tabllm_session_logits(session, all ? (int32_t)r : -1, &l);
            if (st == TABLLM_OK)
                memcpy(data + r * V, l, V * sizeof(float));
        }
        rc = st != TABLLM_OK ? cli_fail(st, "logits") : write_npy(out, data, rows, V);
        free(data);
    }
    free(want);
    free(ids);
    tabllm_session_free(session);
    tabllm_model_free(model);
    return rc;
}
