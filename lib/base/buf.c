#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

char *tl_buf_reserve(tl_buf *b, size_t extra)
{
    if (b->status != TABLLM_OK)
        return NULL;
    size_t needed;
    if (!tl_size_add(b->len, extra, &needed) || !tl_size_add(needed, 1, &needed)) {
        b->status = tl_error(TABLLM_ERR_OUT_OF_MEMORY, "text buffer size overflows");
        return NULL;
    }
    if (b->limit && needed - 1 > b->limit) {
        b->status = tl_error(TABLLM_ERR_LIMIT_EXCEEDED,
                             "output would exceed its limit of %zu bytes", b->limit);
        return NULL;
    }
    if (needed > b->cap) {
        void *data = b->data;
        size_t cap = b->cap;
        if (tl_grow_array(&data, &cap, needed, 1, "text buffer") != TABLLM_OK) {
            b->status = TABLLM_ERR_OUT_OF_MEMORY;
            return NULL;
        }
        b->data = data;
        b->cap = cap;
    }
    return b->data + b->len;
}

void tl_buf_commit(tl_buf *b, size_t written)
{
    b->len += written;
    b->data[b->len] = '\0';
}

void tl_buf_append(tl_buf *b, const char *bytes, size_t len)
{
    char *dst = tl_buf_reserve(b, len);
    if (dst == NULL)
        return;
    if (len)
        memcpy(dst, bytes, len);
    tl_buf_commit(b, len);
}

void tl_buf_puts(tl_buf *b, const char *s)
{
    tl_buf_append(b, s, strlen(s));
}

void tl_buf_putc(tl_buf *b, char c)
{
    tl_buf_append(b, &c, 1);
}

void tl_buf_printf(tl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int needed = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (needed < 0) {
        if (b->status == TABLLM_OK)
            b->status = tl_error(TABLLM_ERR_INTERNAL, "invalid format string %s", fmt);
        return;
    }
    char *dst = tl_buf_reserve(b, (size_t)needed);
    if (dst == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)needed + 1, fmt, ap);
    va_end(ap);
    tl_buf_commit(b, (size_t)needed);
}

void tl_buf_truncate(tl_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

tabllm_status tl_buf_status(const tl_buf *b)
{
    return b->status;
}

char *tl_buf_detach(tl_buf *b, size_t *len)
{
    if (b->status != TABLLM_OK) {
        tl_buf_free(b);
        return NULL;
    }
    if (tl_buf_reserve(b, 0) == NULL) {
        tl_buf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *data = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

void tl_buf_free(tl_buf *b)
{
    tl_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->status = TABLLM_OK;
}
