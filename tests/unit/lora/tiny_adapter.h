/* Builds tiny PEFT adapters in memory or on disk for the tiny model of
 * tests/unit/model/tiny_model.h (vocab 16, hidden 8, ff 16, 2 layers, 2
 * heads of 4, 1 kv head: q/o 8x8, k/v 4x8, gate/up 16x8, down 8x16,
 * embeddings tied), one tensor list at a time. */
#ifndef TABLLM_TEST_TINY_ADAPTER_H
#define TABLLM_TEST_TINY_ADAPTER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TA_MAX 128

typedef struct ta_tensor {
    char name[160];
    char dtype[8];
    int n_dims;
    int64_t shape[2];
    float fill; /* added to every value (NaN tests) when nonzero */
} ta_tensor;

typedef struct ta {
    ta_tensor t[TA_MAX];
    int n;
} ta;

static inline void ta_add(ta *a, const char *name, int64_t d0, int64_t d1)
{
    ta_tensor *t = &a->t[a->n++];
    snprintf(t->name, sizeof t->name, "%s", name);
    strcpy(t->dtype, "F32");
    t->n_dims = d1 > 0 ? 2 : 1;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->fill = 0;
}

/* The in/out sizes of a tiny-model module ("q_proj" ...). */
static inline void ta_dims(const char *m, int64_t *in, int64_t *out)
{
    *in = 8;
    *out = 8;
    if (strcmp(m, "k_proj") == 0 || strcmp(m, "v_proj") == 0)
        *out = 4;
    if (strcmp(m, "gate_proj") == 0 || strcmp(m, "up_proj") == 0)
        *out = 16;
    if (strcmp(m, "down_proj") == 0)
        *in = 16;
}

/* lora_A/lora_B of rank r for one module of one layer ("" infix or "default"). */
static inline void ta_lora(ta *a, int layer, const char *module, int r, const char *infix)
{
    int64_t in, out;
    ta_dims(module, &in, &out);
    const char *parent = strstr("q_proj k_proj v_proj o_proj", module) ? "self_attn" : "mlp";
    char name[160];
    const char *dot = infix[0] ? "." : "";
    snprintf(name, sizeof name, "base_model.model.model.layers.%d.%s.%s.lora_A%s%s.weight", layer,
             parent, module, dot, infix);
    ta_add(a, name, r, in);
    snprintf(name, sizeof name, "base_model.model.model.layers.%d.%s.%s.lora_B%s%s.weight", layer,
             parent, module, dot, infix);
    ta_add(a, name, out, r);
}

/* The safetensors image of the list (caller frees); values deterministic. */
static inline unsigned char *ta_image(const ta *a, size_t *size)
{
    char header[32768];
    size_t used = 0, off = 0;
    used += (size_t)snprintf(header, sizeof header, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = 0; i < a->n; i++) {
        const ta_tensor *t = &a->t[i];
        size_t count = (size_t)t->shape[0] * (size_t)(t->n_dims == 2 ? t->shape[1] : 1);
        size_t bytes = count * (strcmp(t->dtype, "F32") == 0 || strcmp(t->dtype, "I32") == 0 ? 4 : 2);
        char shape[64];
        if (t->n_dims == 1)
            snprintf(shape, sizeof shape, "%lld", (long long)t->shape[0]);
        else
            snprintf(shape, sizeof shape, "%lld,%lld", (long long)t->shape[0],
                     (long long)t->shape[1]);
        used += (size_t)snprintf(header + used, sizeof header - used,
                                 ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],"
                                 "\"data_offsets\":[%zu,%zu]}",
                                 t->name, t->dtype, shape, off, off + bytes);
        off += bytes;
    }
    used += (size_t)snprintf(header + used, sizeof header - used, "}");
    while (used % 8)
        header[used++] = ' ';
    *size = 8 + used + off;
    unsigned char *img = malloc(*size ? *size : 1), *p = img;
    for (int i = 0; i < 8; i++)
        *p++ = (unsigned char)((uint64_t)used >> (8 * i));
    memcpy(p, header, used);
    p += used;
    uint32_t state = 777;
    for (int i = 0; i < a->n; i++) {
        const ta_tensor *t = &a->t[i];
        size_t count = (size_t)t->shape[0] * (size_t)(t->n_dims == 2 ? t->shape[1] : 1);
        int four = strcmp(t->dtype, "F32") == 0 || strcmp(t->dtype, "I32") == 0;
        for (size_t k = 0; k < count; k++) {
            state = state * 1664525u + 1013904223u;
            float v = ((float)(state >> 8) / 16777216.0f - 0.5f) + t->fill;
            if (strstr(t->name, "magnitude"))
                v += 2.0f; /* a magnitude is positive */
            uint32_t u;
            memcpy(&u, &v, 4);
            if (four) {
                memcpy(p, &u, 4);
                p += 4;
            } else {
                uint16_t h = (uint16_t)(u >> 16);
                memcpy(p, &h, 2);
                p += 2;
            }
        }
    }
    return img;
}

/* Writes dir/adapter_config.json and dir/adapter_model.safetensors. */
static inline void ta_write(const char *dir, const char *config, const ta *a)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/adapter_config.json", dir);
    FILE *f = fopen(path, "wb");
    fputs(config, f);
    fclose(f);
    size_t size;
    unsigned char *img = ta_image(a, &size);
    snprintf(path, sizeof path, "%s/adapter_model.safetensors", dir);
    f = fopen(path, "wb");
    fwrite(img, 1, size, f);
    fclose(f);
    free(img);
}

static inline char *ta_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = malloc(4096);
    snprintf(dir, 4096, "%s/tabllm-adapter-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    return dir;
}

#endif
