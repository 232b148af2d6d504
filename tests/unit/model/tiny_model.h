/* Builds tiny Llama checkpoints on disk for the loader and session tests,
 * with hooks to break them in one precise way. */
#ifndef TABLLM_TEST_TINY_MODEL_H
#define TABLLM_TEST_TINY_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TINY_CONFIG                                                                          \
    "{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 16, \"hidden_size\": 8, "     \
    "\"intermediate_size\": 16, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, "        \
    "\"num_key_value_heads\": 1, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-6, "    \
    "\"tie_word_embeddings\": true, \"bos_token_id\": 1, \"eos_token_id\": [2, 3]}"

typedef struct tiny_tensor {
    char name[96];
    char dtype[8];
    int n_dims;
    int64_t shape[2];
} tiny_tensor;

/* Changes one tensor before writing; return 0 to drop it. */
typedef int (*tiny_hook)(tiny_tensor *t, void *user);

static inline int tiny_tensors(tiny_tensor *out)
{
    int n = 0;
#define T1(nm, a) (snprintf(out[n].name, 96, "%s", nm), strcpy(out[n].dtype, "F32"), \
                   out[n].n_dims = 1, out[n].shape[0] = a, n++)
#define T2(nm, a, b) (snprintf(out[n].name, 96, "%s", nm), strcpy(out[n].dtype, "F32"), \
                      out[n].n_dims = 2, out[n].shape[0] = a, out[n].shape[1] = b, n++)
    T2("model.embed_tokens.weight", 16, 8);
    T1("model.norm.weight", 8);
    for (int l = 0; l < 2; l++) {
        char p[96];
#define P(s) (snprintf(p, sizeof p, "model.layers.%d.%s", l, s), p)
        T1(P("input_layernorm.weight"), 8);
        T1(P("post_attention_layernorm.weight"), 8);
        T2(P("self_attn.q_proj.weight"), 8, 8);
        T2(P("self_attn.k_proj.weight"), 4, 8);
        T2(P("self_attn.v_proj.weight"), 4, 8);
        T2(P("self_attn.o_proj.weight"), 8, 8);
        T2(P("mlp.gate_proj.weight"), 16, 8);
        T2(P("mlp.up_proj.weight"), 16, 8);
        T2(P("mlp.down_proj.weight"), 8, 16);
#undef P
    }
#undef T1
#undef T2
    return n;
}

static inline size_t tiny_esize(const char *dtype)
{
    if (strncmp(dtype, "F8", 2) == 0 || strcmp(dtype, "I8") == 0 || strcmp(dtype, "U8") == 0)
        return 1;
    return strcmp(dtype, "F32") == 0 || strcmp(dtype, "I32") == 0 ? 4 : 2;
}

/* Writes `dir`/model.safetensors with deterministic values; `fill` (may be
 * NULL) overrides element 0 of every tensor with its value. */
static inline void tiny_write_st(const char *path, tiny_hook hook, void *user, const float *fill)
{
    tiny_tensor ts[64];
    int n = tiny_tensors(ts), kept = 0;
    tiny_tensor keep[64];
    for (int i = 0; i < n; i++) {
        if (hook && !hook(&ts[i], user))
            continue;
        keep[kept++] = ts[i];
    }
    char header[16384];
    size_t off = 0, used = 0;
    used += (size_t)snprintf(header + used, sizeof header - used, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = 0; i < kept; i++) {
        size_t count = 1;
        for (int d = 0; d < keep[i].n_dims; d++)
            count *= (size_t)keep[i].shape[d];
        size_t bytes = count * tiny_esize(keep[i].dtype);
        char shape[64];
        if (keep[i].n_dims == 1)
            snprintf(shape, sizeof shape, "%lld", (long long)keep[i].shape[0]);
        else
            snprintf(shape, sizeof shape, "%lld,%lld", (long long)keep[i].shape[0],
                     (long long)keep[i].shape[1]);
        used += (size_t)snprintf(header + used, sizeof header - used,
                                 ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],"
                                 "\"data_offsets\":[%zu,%zu]}",
                                 keep[i].name, keep[i].dtype, shape, off, off + bytes);
        off += bytes;
    }
    used += (size_t)snprintf(header + used, sizeof header - used, "}");
    while (used % 8)
        header[used++] = ' ';
    FILE *f = fopen(path, "wb");
    uint64_t hl = used;
    unsigned char le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(hl >> (8 * i));
    fwrite(le, 1, 8, f);
    fwrite(header, 1, used, f);
    uint32_t state = 12345;
    for (int i = 0; i < kept; i++) {
        size_t count = 1;
        for (int d = 0; d < keep[i].n_dims; d++)
            count *= (size_t)keep[i].shape[d];
        for (size_t k = 0; k < count; k++) {
            state = state * 1664525u + 1013904223u;
            float v = ((float)(state >> 8) / 16777216.0f - 0.5f);
            if (strstr(keep[i].name, "norm"))
                v += 1.0f;
            if (k == 0 && fill)
                v = *fill;
            if (tiny_esize(keep[i].dtype) == 4) {
                fwrite(&v, 4, 1, f);
            } else if (tiny_esize(keep[i].dtype) == 1) {
                unsigned char b = (unsigned char)(v * 16.0f);
                fwrite(&b, 1, 1, f);
            } else {
                uint32_t u;
                memcpy(&u, &v, 4);
                uint16_t h = (uint16_t)(u >> 16);
                fwrite(&h, 2, 1, f);
            }
        }
    }
    fclose(f);
}

static inline void tiny_write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

/* A fresh directory holding a tiny model. Caller frees the path. */
static inline char *tiny_model(const char *config, tiny_hook hook, void *user, const float *fill)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = malloc(4096);
    snprintf(dir, 4096, "%s/tabllm-model-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    tiny_write_file(dir, "config.json", config ? config : TINY_CONFIG);
    char path[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    tiny_write_st(path, hook, user, fill);
    return dir;
}

static inline void tiny_remove(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        abort();
    free(dir);
}

#endif
