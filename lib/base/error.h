/* Status codes and the calling thread's last-error message. */
#ifndef TL_BASE_ERROR_H
#define TL_BASE_ERROR_H

#include "tabllm.h"

#if defined(__GNUC__)
#define TL_PRINTF(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))
#else
#define TL_PRINTF(fmt_idx, args_idx)
#endif

/* Records `status` and a formatted message for tabllm_last_error() and returns
 * `status`, so a failure reads `return tl_error(TABLLM_ERR_IO, "%s: %s", ...)`.
 * The message says what and where. It never allocates (a fixed thread-local
 * buffer), so it is safe on the out-of-memory path; longer messages are cut
 * with "...". */
tabllm_status tl_error(tabllm_status status, const char *fmt, ...) TL_PRINTF(2, 3);

/* Puts `prefix: ` in front of the current message, for a caller that knows
 * the context a callee did not ("tokenizer.json: " + "merges[3]: ..."). */
void tl_error_prefix(const char *fmt, ...) TL_PRINTF(1, 2);

/* Shorthand for the most common failure. */
tabllm_status tl_error_oom(const char *what);

/* Clears the thread's last error (used by tests). */
void tl_error_clear(void);

#endif
