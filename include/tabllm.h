/**
 * @file tabllm.h
 * @brief libtabllm: tables in, table-aware language models out, through one C API.
 *
 * This is the library's only public header. It is self-contained, compiles as
 * C11 and as C++, and is meant to be read top to bottom as the manual:
 *
 *  1. Version, status codes, errors, logging, memory   (this section)
 *  2. Tables: read CSV/TSV/HTML/JSON/XLSX, encode them as text
 *  3. Tokenizers: Hugging Face tokenizer.json, exactly
 *  4. Models and sessions: Llama-family forward pass, KV cache, sampling
 *  5. Adapters: PEFT LoRA
 *  6. Tasks: row prediction, table QA
 *
 * Conventions used everywhere (docs/api-conventions.md has the long form):
 *  - Every fallible function returns a ::tabllm_status; #TABLLM_OK is 0.
 *    Results come back through out-parameters; a failed constructor sets
 *    `*out` to NULL. tabllm_last_error() says what went wrong and where.
 *  - Handles are opaque. `tabllm_X_free(NULL)` is a no-op. Parents are
 *    reference-counted internally: freeing a model while sessions or adapters
 *    that use it are alive is safe.
 *  - Parameter structs start with `struct_size`. Fill defaults with
 *    `tabllm_X_params_init(&p, sizeof p)`, change what you need, pass `&p`
 *    (NULL means defaults). Fields are only ever appended, so a program built
 *    against an older header keeps working with a newer library.
 *  - Memory the library allocates for you is released with tabllm_free().
 *  - The library never prints, exits or aborts. Diagnostics go to the log
 *    callback, if you install one.
 */
#ifndef TABLLM_H
#define TABLLM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks every exported declaration. The library is built with hidden
 *  visibility, so only what carries this macro is part of the ABI. */
#if defined(_WIN32)
#  if defined(TABLLM_BUILDING)
#    define TABLLM_API __declspec(dllexport)
#  elif defined(TABLLM_STATIC)
#    define TABLLM_API
#  else
#    define TABLLM_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define TABLLM_API __attribute__((visibility("default")))
#else
#  define TABLLM_API
#endif

/* ========================================================================= */
/*  1. Version, status codes, errors, logging, memory                         */
/* ========================================================================= */

/** @name Version
 *  The API version follows semantic versioning. The ABI version is the
 *  number in the shared object's name (`libtabllm.so.1`); it changes only
 *  on an incompatible change (docs/abi.md).
 *  @{ */
#define TABLLM_VERSION_MAJOR 0
#define TABLLM_VERSION_MINOR 1
#define TABLLM_VERSION_PATCH 0
#define TABLLM_VERSION_NUMBER \
    (TABLLM_VERSION_MAJOR * 10000 + TABLLM_VERSION_MINOR * 100 + TABLLM_VERSION_PATCH)
#define TABLLM_VERSION_STRING "0.1.0"
/** True when the header is at least version x.y.z. */
#define TABLLM_AT_LEAST_VERSION(x, y, z) (TABLLM_VERSION_NUMBER >= ((x) * 10000 + (y) * 100 + (z)))
/** The ABI this header describes; compare with tabllm_abi_version(). */
#define TABLLM_ABI_VERSION 1

/**
 * The library's version as "MAJOR.MINOR.PATCH".
 * @return A static string; never NULL.
 * Thread-safety: may be called from any thread.
 */
TABLLM_API const char *tabllm_version(void);

/**
 * The library's version as MAJOR*10000 + MINOR*100 + PATCH, to compare
 * with #TABLLM_VERSION_NUMBER.
 */
TABLLM_API uint32_t tabllm_version_number(void);

/**
 * The ABI version of the loaded library. Bindings, which cannot see the
 * header's #TABLLM_ABI_VERSION at compile time, check this when they load
 * the library and refuse to run on a mismatch.
 */
TABLLM_API uint32_t tabllm_abi_version(void);
/** @} */

/**
 * Result of every fallible call. 0 is success; errors are positive and grouped
 * by area (1-99 generic, 100-199 tables, 200-299 tokenizers, 300-399 models and
 * sessions, 400-499 adapters, 500-599 tasks). Values never change meaning and
 * are never reused; new codes are only added.
 */
typedef enum tabllm_status {
    /** Success. */
    TABLLM_OK = 0,

    /* --- generic ------------------------------------------------------- */
    /** An argument is NULL where it may not be, out of range, or inconsistent
     *  with another argument; also a call made on a handle in the wrong state. */
    TABLLM_ERR_INVALID_ARGUMENT = 1,
    /** An allocation failed. The handle the call was made on is unchanged. */
    TABLLM_ERR_OUT_OF_MEMORY = 2,
    /** A file could not be opened, read, mapped or written; the message carries
     *  the path and the system's reason. */
    TABLLM_ERR_IO = 3,
    /** Input is malformed: a syntax error, a truncated file, a value of the
     *  wrong type. The message gives the file and the position (line:column or
     *  byte offset). */
    TABLLM_ERR_FORMAT = 4,
    /** Input is well-formed but asks for something the library does not
     *  implement (an unknown architecture, a tokenizer component, a PEFT type);
     *  the message names it. Never silently ignored. */
    TABLLM_ERR_UNSUPPORTED = 5,
    /** A caller-provided buffer is too small; the out-count holds the size
     *  needed. Call again with a larger buffer. */
    TABLLM_ERR_BUFFER_TOO_SMALL = 6,
    /** A size read from the input exceeds a configured cap or what the input
     *  can hold (cells, dimensions, vocabulary, decompressed bytes); nothing
     *  was allocated for it. */
    TABLLM_ERR_LIMIT_EXCEEDED = 7,
    /** A callback asked to stop. The handle stays usable. */
    TABLLM_ERR_CANCELLED = 8,
    /** Text that must be UTF-8 is not; the message gives the byte offset. */
    TABLLM_ERR_INVALID_UTF8 = 9,
    /** A named thing does not exist: a column, a sheet, a tensor, a token. */
    TABLLM_ERR_NOT_FOUND = 10,
    /** A parameter struct's `struct_size` is larger than this library knows:
     *  the caller was built against a newer header than the library it runs
     *  with. */
    TABLLM_ERR_ABI_MISMATCH = 11,
    /** A bug in libtabllm. Please report it with the message. */
    TABLLM_ERR_INTERNAL = 12,

    /* --- tables -------------------------------------------------------- */
    /** A table's shape does not fit the operation: a row longer than the
     *  header under the "error" policy, a column-major encoding of a table
     *  that is not square, an empty table where rows are needed. */
    TABLLM_ERR_TABLE_SHAPE = 100,

    /* --- models and sessions ------------------------------------------- */
    /** A tensor has a shape other than the architecture requires; the message
     *  names the tensor and both shapes. */
    TABLLM_ERR_SHAPE_MISMATCH = 300,
    /** The session's context (KV cache) has no room for the tokens given. */
    TABLLM_ERR_CONTEXT_FULL = 301,

    /* --- adapters ------------------------------------------------------ */
    /** An adapter does not fit the model it is attached to: another
     *  architecture, a module size or a layer index that differs. */
    TABLLM_ERR_ADAPTER_MISMATCH = 400,

    /** Keeps the enum 32 bits wide; not a status. */
    TABLLM_STATUS_MAX_ENUM_ = 0x7fffffff
} tabllm_status;

/**
 * A short, static English name for a status ("invalid argument").
 * @return A static string; "unknown status" for values this library does not
 *         define. Never NULL.
 * Thread-safety: may be called from any thread.
 */
TABLLM_API const char *tabllm_status_string(tabllm_status status);

/**
 * The detailed message of the calling thread's most recent failure, saying
 * what went wrong and where, e.g.
 * "model.safetensors: tensor model.layers.3.mlp.up_proj.weight has shape
 * [896,4864], expected [4864,896]".
 *
 * Ownership: the string belongs to the library. It stays valid, unchanged,
 * until the next libtabllm call on the same thread that fails; successful
 * calls do not clear it, so check the returned status first. Other threads
 * have their own message.
 * @return The message; "" when no call on this thread has failed. Never NULL.
 * Thread-safety: thread-local, may be called from any thread.
 */
TABLLM_API const char *tabllm_last_error(void);

/** The status that went with tabllm_last_error(); #TABLLM_OK when no call on
 *  this thread has failed. */
TABLLM_API tabllm_status tabllm_last_status(void);

/** Severity of a log message. */
typedef enum tabllm_log_level {
    TABLLM_LOG_ERROR = 1,
    TABLLM_LOG_WARN = 2,
    TABLLM_LOG_INFO = 3,
    TABLLM_LOG_DEBUG = 4,
    TABLLM_LOG_LEVEL_MAX_ENUM_ = 0x7fffffff
} tabllm_log_level;

/**
 * A log sink. `message` is one line without a trailing newline, valid only
 * during the call. The callback may be called from any thread that is inside
 * a libtabllm call, concurrently; it must not call back into libtabllm.
 */
typedef void (*tabllm_log_fn)(tabllm_log_level level, const char *message, void *user_data);

/**
 * Installs the process-wide log callback. Messages above `max_level` are not
 * formatted at all. By default there is no callback and the library is silent.
 * This is the library's only global mutable state.
 * @param fn         the sink, or NULL to silence the library
 * @param user_data  passed back to `fn` unchanged
 * @param max_level  most verbose level delivered (e.g. #TABLLM_LOG_WARN)
 * Thread-safety: may be called from any thread; calls already in progress may
 * still deliver to the previous callback.
 */
TABLLM_API void tabllm_set_log_callback(tabllm_log_fn fn, void *user_data,
                                        tabllm_log_level max_level);

/**
 * Releases memory the library allocated and handed to the caller (strings,
 * arrays), as documented by the call that returned it. NULL is a no-op.
 * Never pass memory from any other allocator.
 */
TABLLM_API void tabllm_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* TABLLM_H */
