/* A thin layer over jansson that turns its errors into statuses and messages
 * with file:line:column, and reads typed fields with messages that name the
 * file and the key ("config.json: hidden_size: expected an integer, got a
 * string"). */
#ifndef TL_BASE_JSON_H
#define TL_BASE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

/* Parse flags (combine with |). */
#define TL_JSON_REJECT_DUPLICATES 1u /* a key twice in one object is an error */

/* Parses `len` bytes of JSON text. `name` (a file name) starts every message.
 * The text must be one JSON value, optionally surrounded by whitespace. */
tabllm_status tl_json_parse(const char *name, const char *text, size_t len, unsigned flags,
                            json_t **out);

/* Reads and parses a file no larger than `max_size` bytes. */
tabllm_status tl_json_load_file(const char *path, size_t max_size, unsigned flags, json_t **out);

/* "an object", "a string", ... for messages. */
const char *tl_json_type_name(const json_t *value);

/* Typed fields of an object. The _req forms fail with TABLLM_ERR_FORMAT when
 * the key is missing; the _opt forms store `def` when the key is missing or
 * null. Both fail with TABLLM_ERR_FORMAT on a value of the wrong type or out
 * of range. Strings are borrowed from the JSON value. */
tabllm_status tl_json_req_int(const char *file, const json_t *obj, const char *key, int64_t *out);
tabllm_status tl_json_opt_int(const char *file, const json_t *obj, const char *key, int64_t def,
                              int64_t *out);
/* A non-negative integer no larger than `max`. */
tabllm_status tl_json_req_count(const char *file, const json_t *obj, const char *key, int64_t max,
                                int64_t *out);
tabllm_status tl_json_opt_count(const char *file, const json_t *obj, const char *key, int64_t max,
                                int64_t def, int64_t *out);
/* A number (integer or real). */
tabllm_status tl_json_req_number(const char *file, const json_t *obj, const char *key,
                                 double *out);
tabllm_status tl_json_opt_number(const char *file, const json_t *obj, const char *key, double def,
                                 double *out);
tabllm_status tl_json_opt_bool(const char *file, const json_t *obj, const char *key, bool def,
                               bool *out);
tabllm_status tl_json_req_string(const char *file, const json_t *obj, const char *key,
                                 const char **out);
tabllm_status tl_json_opt_string(const char *file, const json_t *obj, const char *key,
                                 const char *def, const char **out);

#endif
