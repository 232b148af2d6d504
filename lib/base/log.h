/* Messages to the host's log callback; silent unless the host installs one. */
#ifndef TL_BASE_LOG_H
#define TL_BASE_LOG_H

#include "base/error.h"

/* True when a message at `level` would reach a callback; lets callers skip
 * building expensive messages. */
int tl_log_enabled(tabllm_log_level level);

void tl_log(tabllm_log_level level, const char *fmt, ...) TL_PRINTF(2, 3);

#define tl_log_warn(...) tl_log(TABLLM_LOG_WARN, __VA_ARGS__)
#define tl_log_info(...) tl_log(TABLLM_LOG_INFO, __VA_ARGS__)
#define tl_log_debug(...) tl_log(TABLLM_LOG_DEBUG, __VA_ARGS__)

#endif
