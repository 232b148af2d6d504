/* The thread-local last-error message (libgit2's model, SQLite's errmsg
 * contract): a failing call writes a status and a message into a fixed buffer
 * that belongs to the calling thread; nothing is allocated, nothing shared. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TL_ERROR_CAPACITY 1024

static _Thread_local char last_message[TL_ERROR_CAPACITY];
static _Thread_local tabllm_status last_status = TABLLM_OK;

/* Marks a message that did not fit with "..." so a reader knows it was cut. */
static void mark_truncated(int needed)
{
    if (needed >= TL_ERROR_CAPACITY)
        memcpy(last_message + TL_ERROR_CAPACITY - 4, "...", 4);
}

tabllm_status tl_error(tabllm_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int needed = vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    if (needed < 0)
        last_message[0] = '\0';
    mark_truncated(needed);
    last_status = status;
    return status;
}

void tl_error_prefix(const char *fmt, ...)
{
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    char joined[TL_ERROR_CAPACITY];
    int needed = snprintf(joined, sizeof joined, "%s: %s", prefix, last_message);
    memcpy(last_message, joined, sizeof joined);
    mark_truncated(needed);
}

tabllm_status tl_error_oom(const char *what)
{
    return tl_error(TABLLM_ERR_OUT_OF_MEMORY, "out of memory while allocating %s", what);
}

void tl_error_clear(void)
{
    last_message[0] = '\0';
    last_status = TABLLM_OK;
}

const char *tabllm_last_error(void)
{
    return last_message;
}

tabllm_status tabllm_last_status(void)
{
    return last_status;
}

const char *tabllm_status_string(tabllm_status status)
{
    switch (status) {
    case TABLLM_OK: return "ok";
    case TABLLM_ERR_INVALID_ARGUMENT: return "invalid argument";
    case TABLLM_ERR_OUT_OF_MEMORY: return "out of memory";
    case TABLLM_ERR_IO: return "input/output error";
    case TABLLM_ERR_FORMAT: return "malformed input";
    case TABLLM_ERR_UNSUPPORTED: return "unsupported";
    case TABLLM_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case TABLLM_ERR_LIMIT_EXCEEDED: return "limit exceeded";
    case TABLLM_ERR_CANCELLED: return "cancelled";
    case TABLLM_ERR_INVALID_UTF8: return "invalid UTF-8";
    case TABLLM_ERR_NOT_FOUND: return "not found";
    case TABLLM_ERR_ABI_MISMATCH: return "ABI mismatch";
    case TABLLM_ERR_INTERNAL: return "internal error";
    case TABLLM_ERR_TABLE_SHAPE: return "table shape";
    case TABLLM_ERR_SHAPE_MISMATCH: return "shape mismatch";
    case TABLLM_ERR_CONTEXT_FULL: return "context full";
    case TABLLM_ERR_ADAPTER_MISMATCH: return "adapter mismatch";
    case TABLLM_STATUS_MAX_ENUM_: break;
    }
    return "unknown status";
}
