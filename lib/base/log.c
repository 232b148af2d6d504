/* The log callback: the library's only global mutable state. A mutex keeps
 * the (function, user data, level) triple consistent for readers. */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static tabllm_log_fn log_fn;
static void *log_user_data;
static tabllm_log_level log_max_level = TABLLM_LOG_WARN;

void tabllm_set_log_callback(tabllm_log_fn fn, void *user_data, tabllm_log_level max_level)
{
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_user_data = user_data;
    log_max_level = max_level;
    pthread_mutex_unlock(&log_lock);
}

int tl_log_enabled(tabllm_log_level level)
{
    pthread_mutex_lock(&log_lock);
    int enabled = log_fn != NULL && level <= log_max_level;
    pthread_mutex_unlock(&log_lock);
    return enabled;
}

void tl_log(tabllm_log_level level, const char *fmt, ...)
{
    pthread_mutex_lock(&log_lock);
    tabllm_log_fn fn = log_fn;
    void *user_data = log_user_data;
    int enabled = fn != NULL && level <= log_max_level;
    pthread_mutex_unlock(&log_lock);
    if (!enabled)
        return;

    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fn(level, message, user_data);
}
