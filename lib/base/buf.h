/* A growable byte buffer for building text (encoders, messages, JSON).
 *
 * Appends never fail silently: the first failed growth latches `status` and
 * later appends do nothing, so a writer can append freely and check once at
 * the end with tl_buf_status(). The contents are always NUL-terminated. */
#ifndef TL_BASE_BUF_H
#define TL_BASE_BUF_H

#include <stddef.h>

#include "base/error.h"

typedef struct tl_buf {
    char *data;   /* NUL-terminated once anything was appended; may be NULL */
    size_t len;   /* bytes used, excluding the NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* 0 = no cap; else appends beyond it latch LIMIT_EXCEEDED */
    tabllm_status status;
} tl_buf;

#define TL_BUF_INIT {NULL, 0, 0, 0, TABLLM_OK}

void tl_buf_append(tl_buf *b, const char *bytes, size_t len);
void tl_buf_puts(tl_buf *b, const char *s);
void tl_buf_putc(tl_buf *b, char c);
void tl_buf_printf(tl_buf *b, const char *fmt, ...) TL_PRINTF(2, 3);
/* Makes room for `extra` more bytes; returns where they go, or NULL. The
 * caller writes at most `extra` bytes there and then calls tl_buf_commit. */
char *tl_buf_reserve(tl_buf *b, size_t extra);
void tl_buf_commit(tl_buf *b, size_t written);
void tl_buf_truncate(tl_buf *b, size_t len);

/* TABLLM_OK or the first failure, with its message already set. */
tabllm_status tl_buf_status(const tl_buf *b);

/* Hands the contents to the caller (never NULL on success: "" for an empty
 * buffer) and resets the buffer. On a latched failure returns NULL. */
char *tl_buf_detach(tl_buf *b, size_t *len);
void tl_buf_free(tl_buf *b);

#endif
