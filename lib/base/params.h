/* The extensible parameter-struct pattern (see docs/api-conventions.md).
 *
 * Every public params struct starts with `size_t struct_size`. The caller's
 * struct may be older (smaller) than the library's: fields beyond its size
 * keep their defaults. A struct larger than the library knows comes from a
 * newer header and is refused, since the library cannot honour fields it has
 * never heard of. */
#ifndef TL_BASE_PARAMS_H
#define TL_BASE_PARAMS_H

#include <stddef.h>

#include "base/error.h"

/* Implements tabllm_X_params_init: writes the first `size` bytes of
 * `defaults` (a full struct of `full_size` bytes) to `p` and sets its
 * struct_size to `size`. */
tabllm_status tl_params_init(void *p, size_t size, const void *defaults, size_t full_size,
                             const char *type_name);

/* Reads a caller's params into `dst`, a full struct already holding the
 * defaults: copies the caller's first struct_size bytes over them. `src` may be
 * NULL (defaults). `type_name` names the struct in messages. */
tabllm_status tl_params_read(void *dst, size_t full_size, const void *src, const char *type_name);

#endif
