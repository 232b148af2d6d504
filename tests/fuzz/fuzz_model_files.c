/* libFuzzer target: the small JSON files around a model and a tokenizer.
 * The first byte picks the file, the rest is its content:
 *   0  tokenizer_config.json applied to a byte-level tokenizer (special
 *      tokens, add_bos/add_eos, chat_template), then an encode with
 *      special tokens and a decode;
 *   1  generation_config.json applied the same way;
 *   2  model.safetensors.index.json in a model directory holding a tiny
 *      model's config.json and two shards (one whole, one lacking tensors);
 *   3  config.json beside a tiny model's weights: the loader must refuse
 *      whatever does not match the tensors, and what it accepts must run
 *      a two-token decode with finite logits.
 * Files are written to a private directory (in /dev/shm when there is one). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "tabllm.h"
#include "tokenizer/tokenizer.h"
#include "../unit/model/tiny_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *base_json; /* tests/data/tokenizer/bytelevel.json */
static size_t base_len;
static char dir[4096];

static int drop_layer1(tiny_tensor *t, void *user)
{
    (void)user;
    return strstr(t->name, "layers.1.") == NULL;
}

static void setup(void)
{
    const char *tdata = getenv("TABLLM_TEST_DATA");
    char path[4200];
    snprintf(path, sizeof path, "%s/tokenizer/bytelevel.json", tdata ? tdata : "tests/data");
    if (tl_file_read(path, 1 << 24, &base_json, &base_len) != TABLLM_OK)
        abort();
    snprintf(dir, sizeof dir, "%s/tabllm-fuzz-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    tiny_write_file(dir, "tiny-config.json", TINY_CONFIG);
    snprintf(path, sizeof path, "%s/whole.safetensors", dir);
    tiny_write_st(path, NULL, NULL, NULL);
    snprintf(path, sizeof path, "%s/part.safetensors", dir);
    tiny_write_st(path, drop_layer1, NULL, NULL);
}

static void write_bytes(const char *name, const uint8_t *data, size_t size)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

static void link_as(const char *target, const char *name)
{
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/%s", dir, target);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    unlink(to);
    if (target[0] && link(from, to) != 0)
        abort();
}

static void tokenizer_file(const uint8_t *data, size_t size, int which)
{
    tabllm_tokenizer *t;
    if (tl_tokenizer_parse("tokenizer.json", base_json, base_len, &t) != TABLLM_OK)
        abort();
    tabllm_status st = which == 0
                           ? tl_tokenizer_apply_config(t, "tokenizer_config.json",
                                                       (const char *)data, size)
                           : tl_tokenizer_apply_generation_config(t, "generation_config.json",
                                                                  (const char *)data, size);
    if (st == TABLLM_OK) {
        static const char text[] = "Hi <s> there</s>";
        tabllm_token ids[64];
        size_t n;
        if (tabllm_tokenizer_encode(t, text, sizeof text - 1, TABLLM_TOKENIZE_ADD_SPECIAL, ids,
                                    64, &n, NULL) != TABLLM_OK)
            abort();
        char out[512];
        size_t len;
        if (tabllm_tokenizer_decode(t, ids, n, 0, out, sizeof out, &len) != TABLLM_OK)
            abort();
        for (int s = 0; s < 4; s++) {
            tabllm_token id = tabllm_tokenizer_special_id(t, (tabllm_special_token)s);
            if (id != -1 && tabllm_tokenizer_id_to_token(t, id) == NULL)
                abort(); /* a special id the vocabulary lacks */
        }
    }
    tl_tokenizer_destroy(t);
}

static void model_dir(const uint8_t *data, size_t size, int which)
{
    if (which == 2) { /* the index over two shards */
        link_as("tiny-config.json", "config.json");
        link_as("", "model.safetensors");
        write_bytes("model.safetensors.index.json", data, size);
    } else { /* config.json beside one whole file */
        link_as("whole.safetensors", "model.safetensors");
        write_bytes("config.json", data, size);
    }
    tabllm_model *m;
    if (tabllm_model_load(dir, NULL, &m) != TABLLM_OK)
        return;
    tabllm_session_params sp;
    tabllm_session_params_init(&sp, sizeof sp);
    sp.n_ctx = 4;
    tabllm_session *s;
    if (tabllm_session_new(m, &sp, &s) == TABLLM_OK) {
        tabllm_token tok[2] = {1, (tabllm_token)(tabllm_model_n_vocab(m) - 1)};
        tabllm_batch b = {.struct_size = sizeof b, .n_tokens = 2, .tokens = tok};
        const float *logits;
        if (tabllm_session_decode(s, &b) != TABLLM_OK ||
            tabllm_session_logits(s, -1, &logits) != TABLLM_OK)
            abort();
        /* a config the loader accepts must not make the weights compute
         * NaN or infinity (rope_theta 0, a negative epsilon, ...) */
        for (int32_t i = 0; i < tabllm_model_n_vocab(m); i++)
            if (!(logits[i] - logits[i] == 0.0f))
                abort();
        tabllm_session_free(s);
    }
    tabllm_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (base_json == NULL)
        setup();
    if (size == 0)
        return 0;
    int which = data[0] % 4;
    if (which < 2)
        tokenizer_file(data + 1, size - 1, which);
    else
        model_dir(data + 1, size - 1, which);
    return 0;
}
