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

/* ========================================================================= */
/*  2. Tables: read CSV/TSV/HTML/JSON/XLSX, encode them as text               */
/* ========================================================================= */

/**
 * A table: a header of column names and rows of typed cells that keep the
 * exact text they were written with.
 * Thread-safety: immutable once loaded or built; may be shared by threads
 * (any number may read and encode it at once). tabllm_table_append_row()
 * only while no other thread uses the table.
 */
typedef struct tabllm_table tabllm_table;

/** The file formats tables are read from. */
typedef enum tabllm_table_format {
    TABLLM_TABLE_FORMAT_AUTO = 0, /**< from the file name's extension, else sniffed */
    TABLLM_TABLE_FORMAT_CSV = 1,
    TABLLM_TABLE_FORMAT_TSV = 2,
    TABLLM_TABLE_FORMAT_HTML = 3,
    TABLLM_TABLE_FORMAT_JSON = 4,
    TABLLM_TABLE_FORMAT_XLSX = 5,
    TABLLM_TABLE_FORMAT_MAX_ENUM_ = 0x7fffffff
} tabllm_table_format;

/** What a CSV/TSV reader does with a row whose field count differs from the
 *  header's. */
typedef enum tabllm_ragged_policy {
    /** pandas' behaviour: a short row is padded with missing cells; a row
     *  longer than the header is an error naming its line. */
    TABLLM_RAGGED_PANDAS = 0,
    TABLLM_RAGGED_ERROR = 1,    /**< any row of another length is an error */
    TABLLM_RAGGED_PAD = 2,      /**< pad short rows, widen the table for long rows */
    TABLLM_RAGGED_TRUNCATE = 3, /**< pad short rows, drop the extra fields of long rows */
    TABLLM_RAGGED_MAX_ENUM_ = 0x7fffffff
} tabllm_ragged_policy;

/** tabllm_table_read_params.flags */
#define TABLLM_READ_NO_HEADER 0x1u /**< the first row (CSV, JSON arrays) or the header rows
                                        (HTML) are data; columns are named "0", "1", ... */

/** How a table is read. Fill with tabllm_table_read_params_init(). */
typedef struct tabllm_table_read_params {
    size_t struct_size;
    uint32_t format;        /**< a ::tabllm_table_format; default AUTO */
    uint32_t flags;         /**< TABLLM_READ_* bits; default 0 */
    uint32_t delimiter;     /**< CSV field separator; 0 (default) sniffs , ; TAB | */
    uint32_t ragged_policy; /**< a ::tabllm_ragged_policy for CSV/TSV and JSON arrays;
                                 default PANDAS (HTML rows are padded, as pandas does) */
    uint32_t table_index;   /**< HTML: which <table>, in document order, counted as
                                 pandas.read_html returns them; default 0 */
    int32_t sheet_index;    /**< XLSX: sheet by 0-based index; default 0 (ignored if sheet_name) */
    const char *sheet_name; /**< XLSX: sheet by name; default NULL */
    uint64_t max_input_bytes; /**< refuse larger inputs; default 4 GiB */
    uint64_t max_cells;       /**< refuse tables with more cells; default 2^31. An HTML
                                   table's spans may also not expand it past 64 cells per
                                   input byte (2^20 at least) */
    uint64_t max_columns;     /**< refuse tables with more columns; default 65536 */
    uint64_t max_field_bytes; /**< refuse longer fields (one cell's text); default 16 MiB */
    /** XLSX: refuse workbooks whose parts inflate to more than this in all
     *  (each part's declared size is checked before it is inflated, and the
     *  running count while it is); one part may take at most half of it.
     *  Default 2 GiB; 0 also means the default. */
    uint64_t max_inflated_bytes;
} tabllm_table_read_params;

/**
 * Fills `params` with the defaults and sets its struct_size.
 * @param params  the struct to fill
 * @param struct_size  `sizeof *params` as the caller sees it
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT for NULL or a too-small
 *         size; #TABLLM_ERR_ABI_MISMATCH for a size larger than the library's.
 */
TABLLM_API tabllm_status tabllm_table_read_params_init(tabllm_table_read_params *params,
                                                       size_t struct_size);

/**
 * Reads a table from a file.
 * @param path    the file
 * @param params  how to read it, or NULL for the defaults
 * @param out     receives the table; NULL on failure
 * @return #TABLLM_OK; #TABLLM_ERR_IO, #TABLLM_ERR_FORMAT (with line:column),
 *         #TABLLM_ERR_INVALID_UTF8 (with the byte offset),
 *         #TABLLM_ERR_TABLE_SHAPE (a ragged row under the policy),
 *         #TABLLM_ERR_LIMIT_EXCEEDED, #TABLLM_ERR_NOT_FOUND (no such HTML
 *         table or sheet), #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: the caller frees the table with tabllm_table_free().
 */
TABLLM_API tabllm_status tabllm_table_load(const char *path, const tabllm_table_read_params *params,
                                           tabllm_table **out);

/**
 * Reads a table from bytes in memory. The table keeps its own copy of what it
 * needs: the buffer may be freed after the call. `params->format` must not be
 * AUTO for XLSX; text formats are sniffed.
 * @return as tabllm_table_load().
 */
TABLLM_API tabllm_status tabllm_table_from_memory(const void *data, size_t size,
                                                  const tabllm_table_read_params *params,
                                                  tabllm_table **out);

/**
 * The sheet names of an XLSX workbook, in workbook order: the order
 * `sheet_index` counts in and the names `sheet_name` matches (hidden sheets
 * and chartsheets included). A table read from a sheet holds its used range
 * with the first row as header; each cell's text is what the sheet displays
 * under its number format (docs/spreadsheets.md).
 * @param path     the workbook
 * @param names    receives an array of `*n_names` NUL-terminated UTF-8
 *                 names followed by a NULL pointer
 * @param n_names  receives the number of sheets
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (a NULL argument),
 *         #TABLLM_ERR_IO, #TABLLM_ERR_FORMAT (not a workbook, a corrupt zip,
 *         bad XML: the message names the part and line),
 *         #TABLLM_ERR_LIMIT_EXCEEDED, #TABLLM_ERR_UNSUPPORTED (encrypted),
 *         #TABLLM_ERR_OUT_OF_MEMORY. On failure `*names` is NULL.
 * Ownership: `*names` is one allocation holding the strings too; free it
 * with tabllm_free().
 * Thread-safety: may be called from any thread.
 */
TABLLM_API tabllm_status tabllm_table_sheet_names(const char *path, char ***names,
                                                  size_t *n_names);

/**
 * Starts a table from column names, to be filled with tabllm_table_append_row()
 * (how bindings build tables from their own data).
 * @param names  `n_columns` NUL-terminated UTF-8 names
 * @return #TABLLM_OK, #TABLLM_ERR_INVALID_ARGUMENT, #TABLLM_ERR_INVALID_UTF8,
 *         #TABLLM_ERR_OUT_OF_MEMORY.
 */
TABLLM_API tabllm_status tabllm_table_new(const char *const *names, size_t n_columns,
                                          tabllm_table **out);

/**
 * Appends a row of `n_columns` cells given as text (NULL for a missing cell);
 * each cell is typed from its text as a reader would.
 * Thread-safety: not while other threads use the table.
 * @return #TABLLM_OK, #TABLLM_ERR_INVALID_ARGUMENT (wrong count),
 *         #TABLLM_ERR_INVALID_UTF8, #TABLLM_ERR_OUT_OF_MEMORY.
 */
TABLLM_API tabllm_status tabllm_table_append_row(tabllm_table *table, const char *const *cells,
                                                 size_t n_cells);

/** Frees a table. NULL is a no-op. */
TABLLM_API void tabllm_table_free(tabllm_table *table);

/** Number of data rows (the header is not a row). */
TABLLM_API size_t tabllm_table_n_rows(const tabllm_table *table);
/** Number of columns. */
TABLLM_API size_t tabllm_table_n_columns(const tabllm_table *table);

/** The type of a cell, read from its text. */
typedef enum tabllm_cell_type {
    TABLLM_CELL_NULL = 0, /**< missing */
    TABLLM_CELL_BOOL = 1,
    TABLLM_CELL_INT = 2,
    TABLLM_CELL_FLOAT = 3,
    TABLLM_CELL_TEXT = 4,
    TABLLM_CELL_TYPE_MAX_ENUM_ = 0x7fffffff
} tabllm_cell_type;

/**
 * A column's name.
 * @return The name (borrowed, valid while the table lives), or NULL when
 *         `column` is out of range.
 */
TABLLM_API const char *tabllm_table_column_name(const tabllm_table *table, size_t column);

/**
 * A cell's text exactly as written, and optionally its length and type.
 * @param len   receives the length in bytes (may be NULL)
 * @param type  receives the ::tabllm_cell_type (may be NULL)
 * @return The text (borrowed, NUL-terminated, valid while the table lives;
 *         "" for a missing cell), or NULL when row or column is out of range.
 */
TABLLM_API const char *tabllm_table_cell(const tabllm_table *table, size_t row, size_t column,
                                         size_t *len, tabllm_cell_type *type);

/** What a column holds, inferred from all its cells. */
typedef enum tabllm_column_kind {
    TABLLM_COLUMN_EMPTY = 0,       /**< every cell missing */
    TABLLM_COLUMN_BOOL = 1,
    TABLLM_COLUMN_INTEGER = 2,
    TABLLM_COLUMN_FLOAT = 3,       /**< numbers, some not integers */
    TABLLM_COLUMN_DATE = 4,        /**< ISO dates or date-times */
    TABLLM_COLUMN_CATEGORICAL = 5, /**< text with few distinct values */
    TABLLM_COLUMN_TEXT = 6,
    TABLLM_COLUMN_KIND_MAX_ENUM_ = 0x7fffffff
} tabllm_column_kind;

/** The inferred kind of a column; #TABLLM_COLUMN_EMPTY when out of range. */
TABLLM_API tabllm_column_kind tabllm_table_column_kind(const tabllm_table *table, size_t column);

/** The text encodings of a table. Families: generic (1-19), Table Meets LLM
 *  (20-39), TabuLa-8B (40-59), UniPredict (60-69), CABINET (70-79),
 *  SpreadsheetLLM (80-89). docs/table-formats.md shows each one. */
typedef enum tabllm_encoding {
    TABLLM_ENCODING_CSV = 1,
    TABLLM_ENCODING_TSV = 2,
    TABLLM_ENCODING_MARKDOWN = 3,      /**< GitHub pipe table, `|` and newlines escaped */
    TABLLM_ENCODING_HTML = 4,
    TABLLM_ENCODING_JSON = 5,          /**< records or split, see json_orient */
    TABLLM_ENCODING_KEY_VALUE = 6,     /**< "column: value" lines, a blank line between rows */
    TABLLM_ENCODING_TEMPLATE = 7,      /**< `template_text` with {column} placeholders, per row */
    TABLLM_ENCODING_MARKDOWN_GRID = 8, /**< grid table (+---+) */
    TABLLM_ENCODING_XML = 9,           /**< <item><field name=...>, escaped */
    TABLLM_ENCODING_LATEX = 10,        /**< tabular, escaped */
    TABLLM_ENCODING_NL_SEP = 11,       /**< `|`-separated lines */
    /* Table Meets LLM, exactly as microsoft/TableProvider's code prints them */
    TABLLM_ENCODING_TP_MARKDOWN = 20,
    TABLLM_ENCODING_TP_MARKDOWN_GRID = 21,
    TABLLM_ENCODING_TP_XML = 22,
    TABLLM_ENCODING_TP_HTML = 23,
    TABLLM_ENCODING_TP_JSON = 24,
    TABLLM_ENCODING_TP_LATEX = 25,
    TABLLM_ENCODING_TP_NL_SEP = 26,
    /* TabuLa-8B (mlfoundations/rtfm serializers), one prompt per row */
    TABLLM_ENCODING_TABULA = 40,           /**< BasicSerializerV2 prompt + <|endinput|> */
    TABLLM_ENCODING_TABULA_V1 = 41,
    TABLLM_ENCODING_TABULA_STRUCTURED = 42,
    TABLLM_ENCODING_TABULA_JSON = 43,
    TABLLM_ENCODING_TABULA_PDSERIES = 44,
    TABLLM_ENCODING_TABULA_HTML = 45,
    TABLLM_ENCODING_TABULA_HTML_NOWS = 46,
    /* UniPredict */
    TABLLM_ENCODING_UNIPREDICT = 60,        /**< the full prompt for one row */
    TABLLM_ENCODING_UNIPREDICT_ROWS = 61,   /**< "col is v; ..." per row */
    TABLLM_ENCODING_UNIPREDICT_LABELS = 62, /**< "class 0: ...; where class 0 stands for ..." */
    /* CABINET */
    TABLLM_ENCODING_CABINET = 70,           /**< [HEADER] ... [ROW] i: ... */
    TABLLM_ENCODING_CABINET_TAPEX = 71,     /**< question + lower-cased "col : ... row 1 : ..." */
    /* SpreadsheetLLM */
    TABLLM_ENCODING_SHEET_VANILLA = 80,     /**< A1,value|B1,value rows */
    TABLLM_ENCODING_SHEET_COMPRESSED = 81,  /**< SheetCompressor */
    TABLLM_ENCODING_MAX_ENUM_ = 0x7fffffff
} tabllm_encoding;

/** How cell values are printed. */
typedef enum tabllm_cell_rendering {
    TABLLM_CELLS_DEFAULT = 0,  /**< what the encoding's authors' pipeline does */
    TABLLM_CELLS_VERBATIM = 1, /**< the text as written */
    TABLLM_CELLS_PANDAS = 2,   /**< as printed after pandas.read_csv type inference (41.0, nan) */
    TABLLM_CELL_RENDERING_MAX_ENUM_ = 0x7fffffff
} tabllm_cell_rendering;

/** How rows are chosen before encoding. */
typedef enum tabllm_row_sampling {
    TABLLM_ROWS_ALL = 0,        /**< every row (or those listed in `rows`) */
    TABLLM_ROWS_HEAD = 1,       /**< the first max_rows */
    TABLLM_ROWS_RANDOM = 2,     /**< max_rows at random, by `seed`, in table order */
    TABLLM_ROWS_STRATIFIED = 3, /**< max_rows keeping the proportions of `stratify_column` */
    TABLLM_ROWS_EVENLY = 4,     /**< TableProvider's: first, last, second, second-to-last, ...
                                     (exactly max_rows, printed in that order) */
    TABLLM_ROWS_RELEVANT = 5,   /**< the max_rows most relevant to `question` (BM25) */
    TABLLM_ROW_SAMPLING_MAX_ENUM_ = 0x7fffffff
} tabllm_row_sampling;

/** tabllm_encode_params.flags */
#define TABLLM_ENCODE_PARTITION_MARKS 0x1u   /**< Table Meets LLM: <title>/<context>/<caption> */
#define TABLLM_ENCODE_GRAMMAR 0x2u           /**< Table Meets LLM: the format-grammar preamble */
#define TABLLM_ENCODE_COLUMN_MAJOR 0x4u      /**< Table Meets LLM: columns instead of rows */
#define TABLLM_ENCODE_NO_INVERTED_INDEX 0x8u /**< SheetCompressor: skip module 2 */
#define TABLLM_ENCODE_NO_FORMAT_AGGREGATION 0x10u /**< SheetCompressor: skip module 3 */
#define TABLLM_ENCODE_NO_ANCHORS 0x20u       /**< SheetCompressor: skip module 1 */
#define TABLLM_ENCODE_NO_HEADER 0x40u        /**< leave the header row out where optional */
#define TABLLM_ENCODE_SHEET_FORMATS 0x80u    /**< SpreadsheetLLM: show number format strings */

/** JSON layouts for #TABLLM_ENCODING_JSON. */
typedef enum tabllm_json_orient {
    TABLLM_JSON_RECORDS = 0, /**< [{"col": value, ...}, ...] */
    TABLLM_JSON_SPLIT = 1,   /**< {"columns": [...], "data": [[...], ...]} as pandas writes it */
    TABLLM_JSON_ORIENT_MAX_ENUM_ = 0x7fffffff
} tabllm_json_orient;

/**
 * Counts the tokens of a text, for fitting a table into a token budget.
 * tabllm_tokenizer_count_tokens() has this signature, with the tokenizer as
 * `user_data`. Returns the count, or SIZE_MAX on failure.
 */
typedef size_t (*tabllm_token_count_fn)(const char *text, size_t len, void *user_data);

/** How a table is turned into text. Fill with tabllm_encode_params_init(). */
typedef struct tabllm_encode_params {
    size_t struct_size;
    uint32_t encoding;    /**< a ::tabllm_encoding; default MARKDOWN */
    uint32_t flags;       /**< TABLLM_ENCODE_* bits; default 0 */
    uint32_t cells;       /**< a ::tabllm_cell_rendering; default DEFAULT */
    uint32_t json_orient; /**< a ::tabllm_json_orient; default RECORDS */

    /* Per-row encodings (TEMPLATE, TABULA*, UNIPREDICT*): which row; -1
     * (default) means every row, one prompt after another, each ending "\n"
     * where docs/table-formats.md says so. */
    int64_t row;

    const char *template_text; /**< TEMPLATE: text with {column} placeholders */
    const char *target;        /**< the column to predict (removed from the features) */
    const char *const *labels; /**< the candidate labels, in the order to show them */
    size_t n_labels;
    const char *title;      /**< Table Meets LLM partition marks */
    const char *context;
    const char *caption;
    const char *question;   /**< CABINET TAPEX; question-aware selection */
    const char *annotation; /**< UniPredict: the dataset description */
    uint32_t prompt_template; /**< UniPredict: 0 prompt_input, 1 without_metadata, 2 TabLLM */

    /* Selection, applied before encoding. */
    const size_t *rows;       /**< explicit rows, in order (NULL = sampling below) */
    size_t n_rows;
    uint32_t row_sampling;    /**< a ::tabllm_row_sampling; default ALL */
    size_t max_rows;          /**< for HEAD/RANDOM/STRATIFIED/EVENLY/RELEVANT; 0 = no limit */
    uint64_t seed;            /**< for RANDOM/STRATIFIED */
    const char *stratify_column;
    const char *const *columns; /**< keep only these columns, in this order (NULL = all) */
    size_t n_columns;
    size_t max_columns;       /**< with a question: keep the most relevant columns; 0 = all */

    /* Token budget: when max_tokens > 0 the encoder drops rows, then cuts long
     * cells, deterministically, until the text fits; the log says what went. */
    size_t max_tokens;
    tabllm_token_count_fn count_tokens;
    void *count_tokens_user_data;

    /* SheetCompressor */
    uint32_t anchor_k; /**< rows/columns kept around each structural anchor; default 4 */
} tabllm_encode_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_encode_params_init(tabllm_encode_params *params,
                                                   size_t struct_size);

/**
 * Encodes a table as text.
 * @param table   the table
 * @param params  the encoding and its options, or NULL for Markdown
 * @param out     receives the NUL-terminated UTF-8 text
 * @param out_len receives its length in bytes (may be NULL)
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (an unknown encoding,
 *         missing template or target, a row out of range, a failing token
 *         counter), #TABLLM_ERR_NOT_FOUND (a column or template placeholder
 *         that does not exist), #TABLLM_ERR_INVALID_UTF8 (a text parameter:
 *         template, title, question, label, ...), #TABLLM_ERR_UNSUPPORTED (#TABLLM_CELLS_PANDAS
 *         with an encoding that prints cells verbatim), #TABLLM_ERR_TABLE_SHAPE (e.g. column-major
 *         Table Meets LLM formats of a non-square table, where the authors'
 *         code raises), #TABLLM_ERR_LIMIT_EXCEEDED (nothing fits the
 *         token budget), #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: the caller frees `*out` with tabllm_free().
 * Thread-safety: may run concurrently on one table.
 */
TABLLM_API tabllm_status tabllm_table_encode(const tabllm_table *table,
                                             const tabllm_encode_params *params, char **out,
                                             size_t *out_len);

/** The encoding named `name` as the CLI spells it ("markdown", "tp-latex",
 *  "tabula-json", ...); #TABLLM_ERR_NOT_FOUND for an unknown name. */
TABLLM_API tabllm_status tabllm_encoding_from_name(const char *name, tabllm_encoding *out);

/** The CLI name of an encoding; NULL for an unknown value. */
TABLLM_API const char *tabllm_encoding_name(tabllm_encoding encoding);

/* ========================================================================= */
/*  3. Tokenizers: Hugging Face tokenizer.json, exactly                       */
/* ========================================================================= */

/** A token id. */
typedef int32_t tabllm_token;

/**
 * A tokenizer loaded from a Hugging Face `tokenizer.json`: BPE models
 * (byte-level as GPT-2, Llama 3, Qwen; SentencePiece-style with byte fallback
 * as Llama 2, Mistral, Gemma), their normalizers, pre-tokenizers, added
 * tokens, post-processors and decoders. Ids are those Hugging Face
 * `tokenizers` produces, on any input. docs/tokenizer.md has the details.
 *
 * Thread-safety: immutable once loaded; any number of threads may encode and
 * decode with one tokenizer at the same time.
 */
typedef struct tabllm_tokenizer tabllm_tokenizer;

/** How a tokenizer is loaded. Fill with tabllm_tokenizer_params_init(). */
typedef struct tabllm_tokenizer_params {
    size_t struct_size;
    /** Refuse tokenizer.json files larger than this; default 1 GiB. */
    uint64_t max_file_bytes;
} tabllm_tokenizer_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_tokenizer_params_init(tabllm_tokenizer_params *params,
                                                      size_t struct_size);

/**
 * Loads a tokenizer.
 * @param path    a `tokenizer.json` file, or a model directory holding one;
 *                from a directory, `tokenizer_config.json` (bos/eos/pad/unk
 *                tokens, add_bos_token/add_eos_token, chat_template) and
 *                `generation_config.json` (bos/eos ids) are read too when
 *                present
 * @param params  NULL for the defaults
 * @param out     receives the tokenizer; NULL on failure
 * @return #TABLLM_OK; #TABLLM_ERR_IO; #TABLLM_ERR_FORMAT (with
 *         file:line:column: malformed JSON, a wrong field, a merge naming an
 *         unknown token); #TABLLM_ERR_UNSUPPORTED (a component this library
 *         does not implement, named in the message: e.g. a WordPiece model,
 *         BPE dropout, truncation); #TABLLM_ERR_LIMIT_EXCEEDED;
 *         #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: free with tabllm_tokenizer_free().
 */
TABLLM_API tabllm_status tabllm_tokenizer_load(const char *path,
                                               const tabllm_tokenizer_params *params,
                                               tabllm_tokenizer **out);

/**
 * Loads a tokenizer from the text of a tokenizer.json held in memory (read
 * during the call only).
 * @return as tabllm_tokenizer_load().
 */
TABLLM_API tabllm_status tabllm_tokenizer_from_memory(const char *json, size_t len,
                                                      const tabllm_tokenizer_params *params,
                                                      tabllm_tokenizer **out);

/** Frees a tokenizer. NULL is a no-op. No call may be using it. */
TABLLM_API void tabllm_tokenizer_free(tabllm_tokenizer *tokenizer);

/** Encoding flags. */
#define TABLLM_TOKENIZE_ADD_SPECIAL 0x1u /**< add the post-processor's special tokens (BOS...) */
#define TABLLM_TOKENIZE_SPECIAL_AS_TEXT 0x2u /**< special-token text in the input is plain text */

/** The byte range [start, end) of the input a token came from. Special
 *  tokens added by #TABLLM_TOKENIZE_ADD_SPECIAL have {0, 0}. */
typedef struct tabllm_token_offset {
    size_t start;
    size_t end;
} tabllm_token_offset;

/**
 * Encodes UTF-8 text into token ids.
 * @param tokenizer the tokenizer
 * @param text      UTF-8 text (need not be NUL-terminated)
 * @param len       its length in bytes
 * @param flags     TABLLM_TOKENIZE_* bits
 * @param ids       receives the ids (may be NULL when capacity is 0)
 * @param capacity  room in `ids` (and `offsets`)
 * @param n_ids     receives the number of ids (also on BUFFER_TOO_SMALL)
 * @param offsets   receives each token's byte range in `text`, or NULL
 * @return #TABLLM_OK; #TABLLM_ERR_BUFFER_TOO_SMALL (call again with
 *         capacity >= *n_ids); #TABLLM_ERR_INVALID_UTF8 (with the byte
 *         offset); #TABLLM_ERR_INVALID_ARGUMENT; #TABLLM_ERR_OUT_OF_MEMORY.
 * Thread-safety: may run concurrently on one tokenizer.
 */
TABLLM_API tabllm_status tabllm_tokenizer_encode(const tabllm_tokenizer *tokenizer,
                                                 const char *text, size_t len, uint32_t flags,
                                                 tabllm_token *ids, size_t capacity,
                                                 size_t *n_ids, tabllm_token_offset *offsets);

/**
 * Encodes a pair of texts (a question and a context, say) as one sequence,
 * with the post-processor's pair template when #TABLLM_TOKENIZE_ADD_SPECIAL
 * is set. Offsets of the second text's tokens are relative to `text_b`.
 * @return as tabllm_tokenizer_encode().
 */
TABLLM_API tabllm_status tabllm_tokenizer_encode_pair(const tabllm_tokenizer *tokenizer,
                                                      const char *text_a, size_t len_a,
                                                      const char *text_b, size_t len_b,
                                                      uint32_t flags, tabllm_token *ids,
                                                      size_t capacity, size_t *n_ids,
                                                      tabllm_token_offset *offsets);

/**
 * Encodes many texts on several threads.
 * @param texts     `n_texts` UTF-8 texts
 * @param lens      their lengths in bytes
 * @param n_threads threads to use (counting the caller); 0 = one per core
 * @param ids       receives all ids, text after text
 * @param starts    receives n_texts + 1 positions: the ids of text i are
 *                  (*ids)[(*starts)[i] .. (*starts)[i + 1])
 * @return #TABLLM_OK, or the first failure (the message names the text's
 *         index); on failure nothing is allocated.
 * Ownership: free `*ids` and `*starts` with tabllm_free().
 * Thread-safety: may run concurrently on one tokenizer.
 */
TABLLM_API tabllm_status tabllm_tokenizer_encode_batch(const tabllm_tokenizer *tokenizer,
                                                       const char *const *texts,
                                                       const size_t *lens, size_t n_texts,
                                                       uint32_t flags, int n_threads,
                                                       tabllm_token **ids, size_t **starts);

/**
 * Counts the tokens of a text (no special tokens added; special-token text
 * counts as one token). Has the ::tabllm_token_count_fn signature, so a table
 * encoder can use it for its token budget with the tokenizer as user data.
 * @return The count, or SIZE_MAX on failure (tabllm_last_error() says why).
 */
TABLLM_API size_t tabllm_tokenizer_count_tokens(const char *text, size_t len, void *tokenizer);

/** Decoding flags. */
#define TABLLM_DECODE_SKIP_SPECIAL 0x1u /**< leave special tokens out */

/**
 * Decodes ids into UTF-8 text with the tokenizer's decoder, as Hugging Face's
 * `decode` does.
 * @param text      receives the text and a terminating NUL (may be NULL when
 *                  capacity is 0)
 * @param capacity  room in `text`, counting the NUL
 * @param len       receives the text's length without the NUL (also on
 *                  BUFFER_TOO_SMALL: call again with capacity >= *len + 1)
 * @return #TABLLM_OK; #TABLLM_ERR_BUFFER_TOO_SMALL;
 *         #TABLLM_ERR_INVALID_ARGUMENT (an id that is not in the vocabulary,
 *         named in the message); #TABLLM_ERR_OUT_OF_MEMORY.
 */
TABLLM_API tabllm_status tabllm_tokenizer_decode(const tabllm_tokenizer *tokenizer,
                                                 const tabllm_token *ids, size_t n_ids,
                                                 uint32_t flags, char *text, size_t capacity,
                                                 size_t *len);

/**
 * Decodes tokens one at a time as they are generated, never splitting a UTF-8
 * character between pieces (Hugging Face's DecodeStream).
 * Thread-safety: one thread at a time per stream.
 */
typedef struct tabllm_decode_stream tabllm_decode_stream;

/**
 * Starts a stream.
 * @param flags  TABLLM_DECODE_* bits
 * @return #TABLLM_OK, #TABLLM_ERR_INVALID_ARGUMENT, #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: free with tabllm_decode_stream_free(), before the tokenizer.
 */
TABLLM_API tabllm_status tabllm_decode_stream_new(const tabllm_tokenizer *tokenizer,
                                                  uint32_t flags, tabllm_decode_stream **out);

/**
 * Adds one id and returns the text it completes: often a few characters,
 * sometimes "" (the id ends inside a character, or is a skipped special).
 * @param text, capacity, len  as tabllm_tokenizer_decode(); on
 *        BUFFER_TOO_SMALL the id is not consumed.
 * @return as tabllm_tokenizer_decode(); #TABLLM_ERR_INVALID_UTF8 when byte
 *         tokens (`<0x95>`) already returned turn out not to form a UTF-8
 *         character, so the text returned so far would change (Hugging
 *         Face's DecodeStream fails there too); the id is not consumed and
 *         the stream cannot go on: start a new one.
 */
TABLLM_API tabllm_status tabllm_decode_stream_step(tabllm_decode_stream *stream,
                                                   tabllm_token id, char *text, size_t capacity,
                                                   size_t *len);

/** Frees a stream. NULL is a no-op. */
TABLLM_API void tabllm_decode_stream_free(tabllm_decode_stream *stream);

/**
 * The token text of an id, as tokenizer.json writes it ("Ġthe", "▁the",
 * "<0x0A>", "<|begin_of_text|>").
 * @return The text (NUL-terminated, valid while the tokenizer lives), or NULL
 *         when the id is not in the vocabulary.
 */
TABLLM_API const char *tabllm_tokenizer_id_to_token(const tabllm_tokenizer *tokenizer,
                                                    tabllm_token id);

/**
 * The id of a token text (added tokens first, then the model vocabulary).
 * @return #TABLLM_OK; #TABLLM_ERR_NOT_FOUND.
 */
TABLLM_API tabllm_status tabllm_tokenizer_token_to_id(const tabllm_tokenizer *tokenizer,
                                                      const char *token, size_t len,
                                                      tabllm_token *out);

/** The number of ids: the largest id + 1 (the size a model's embedding
 *  needs at least). */
TABLLM_API size_t tabllm_tokenizer_vocab_size(const tabllm_tokenizer *tokenizer);

/** Special tokens a tokenizer may have. */
typedef enum tabllm_special_token {
    TABLLM_SPECIAL_BOS = 0,
    TABLLM_SPECIAL_EOS = 1,
    TABLLM_SPECIAL_PAD = 2,
    TABLLM_SPECIAL_UNK = 3,
    TABLLM_SPECIAL_TOKEN_MAX_ENUM_ = 0x7fffffff
} tabllm_special_token;

/**
 * The id of a special token, from tokenizer_config.json (bos_token, ...),
 * else generation_config.json, else the model's unk_token for UNK.
 * @return The id, or -1 when the tokenizer has none.
 */
TABLLM_API tabllm_token tabllm_tokenizer_special_id(const tabllm_tokenizer *tokenizer,
                                                    tabllm_special_token which);

/** True (1) when decoding with #TABLLM_DECODE_SKIP_SPECIAL leaves `id` out. */
TABLLM_API int tabllm_tokenizer_is_special(const tabllm_tokenizer *tokenizer, tabllm_token id);

/* ------------------------------------------------------------------------- */
/*  Chat templates                                                            */
/* ------------------------------------------------------------------------- */

/**
 * @name Chat templates
 * Instruct models expect their prompts in the format of the Jinja template in
 * their tokenizer_config.json (`chat_template`). These functions render such
 * a template over a conversation byte for byte as Hugging Face's own
 * renderer does (@huggingface/jinja, used by transformers.js), with the
 * variables transformers.js passes: `messages`, `add_generation_prompt`,
 * `tools` and `documents` (none unless given), `bos_token`, `eos_token`, plus
 * any extra variables (`enable_thinking`, `date_string`, ...).
 * docs/chat-templates.md lists the supported Jinja subset and the limits.
 * @{
 */

/** One message of a conversation. */
typedef struct tabllm_chat_message {
    const char *role;    /**< "system", "user", "assistant" or "tool" (UTF-8) */
    const char *content; /**< the text (UTF-8); NULL renders as none */
} tabllm_chat_message;

/** tabllm_chat_params.flags: end the prompt with the assistant's turn header
 *  (the template's `add_generation_prompt`). */
#define TABLLM_CHAT_ADD_GENERATION_PROMPT 0x1u

/** How a chat template is rendered. Fill with tabllm_chat_params_init(). */
typedef struct tabllm_chat_params {
    size_t struct_size;
    uint32_t flags;            /**< TABLLM_CHAT_* bits; default 0 */
    const char *bos_token;     /**< `bos_token`; NULL or "" leaves it undefined (default NULL) */
    const char *eos_token;     /**< `eos_token`; NULL or "" leaves it undefined (default NULL) */
    /** Extra template variables as a JSON object, e.g.
     *  `{"tools": [...], "enable_thinking": false, "date_string": "26 Jul 2024"}`;
     *  its keys override the ones above. Default NULL. */
    const char *context_json;
    /** The time strftime_now() formats, in seconds since the epoch, shown in
     *  local time; 0 (default) means the current time. */
    int64_t now;
    /* Limits: a template or render that would exceed one fails with
     * #TABLLM_ERR_LIMIT_EXCEEDED. 0 means the default. */
    size_t max_template_bytes;    /**< template size; default 1 MiB */
    uint32_t max_depth;           /**< nesting of syntax, values and macro calls; default 256 */
    uint64_t max_loop_iterations; /**< all loop iterations and range() items; default 1000000 */
    size_t max_output_bytes;      /**< the prompt and every string built on the way; default 16 MiB */
    size_t max_memory_bytes;      /**< memory for the values of one render; default 512 MiB */
} tabllm_chat_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_chat_params_init(tabllm_chat_params *params, size_t struct_size);

/**
 * Renders a chat template over a conversation.
 * @param template_text  the Jinja template (UTF-8), e.g. tokenizer_config.json's chat_template
 * @param messages       the conversation, `n_messages` entries (may be NULL when 0)
 * @param n_messages     number of messages
 * @param params         flags, special tokens, extra variables and limits; NULL for defaults
 * @param out            receives the NUL-terminated prompt
 * @param out_len        receives its length in bytes (may be NULL); the text
 *                       contains a NUL byte only if the template writes one
 * @return #TABLLM_OK;
 *         #TABLLM_ERR_FORMAT: a template syntax error ("chat template:LINE:COL: ..."),
 *         or `context_json` is not valid JSON;
 *         #TABLLM_ERR_UNSUPPORTED: the template uses a Jinja statement, filter,
 *         test or method outside the supported subset (named, with LINE:COL);
 *         #TABLLM_ERR_INVALID_ARGUMENT: the template called raise_exception()
 *         (the message is the template's, e.g. "Conversation roles must
 *         alternate user/assistant/user/assistant/..."), or failed on these
 *         messages (a type error with LINE:COL), or a NULL role;
 *         #TABLLM_ERR_INVALID_UTF8, #TABLLM_ERR_LIMIT_EXCEEDED,
 *         #TABLLM_ERR_OUT_OF_MEMORY, #TABLLM_ERR_ABI_MISMATCH.
 * Ownership: the caller frees `*out` with tabllm_free(); `*out` is NULL on failure.
 * Thread-safety: may be called from any thread.
 */
TABLLM_API tabllm_status tabllm_chat_template_render(const char *template_text,
                                                     const tabllm_chat_message *messages,
                                                     size_t n_messages,
                                                     const tabllm_chat_params *params, char **out,
                                                     size_t *out_len);

/**
 * As tabllm_chat_template_render(), with the conversation as a JSON array of
 * message objects, which may carry any fields the template reads
 * (`tool_calls`, `reasoning_content`, content as a list of parts, ...).
 * @param messages_json  e.g. `[{"role": "user", "content": "Hi"}]`
 * @return as tabllm_chat_template_render(); #TABLLM_ERR_FORMAT (with
 *         line:column) when `messages_json` is not valid JSON,
 *         #TABLLM_ERR_INVALID_ARGUMENT when it is not an array.
 */
TABLLM_API tabllm_status tabllm_chat_template_render_json(const char *template_text,
                                                          const char *messages_json,
                                                          const tabllm_chat_params *params,
                                                          char **out, size_t *out_len);

struct tabllm_tokenizer; /* the tokenizer handle (see "Tokenizers") */

/**
 * Renders the tokenizer's own chat template (from its tokenizer_config.json)
 * with its bos and eos tokens, the current time and default limits.
 * @param tokenizer  a loaded tokenizer (see tabllm_tokenizer_load())
 * @param flags      TABLLM_CHAT_* bits, e.g. #TABLLM_CHAT_ADD_GENERATION_PROMPT
 * @return as tabllm_chat_template_render(); #TABLLM_ERR_NOT_FOUND when the
 *         tokenizer has no chat template.
 * Ownership: the caller frees `*out` with tabllm_free().
 * Thread-safety: may be called from any thread; the tokenizer may be shared.
 */
TABLLM_API tabllm_status tabllm_chat_render(const struct tabllm_tokenizer *tokenizer,
                                            const tabllm_chat_message *messages, size_t n_messages,
                                            uint32_t flags, char **out, size_t *out_len);
/** @} */

/* ========================================================================= */
/*  4. Models and sessions: Llama-family forward pass, KV cache, sampling     */
/* ========================================================================= */

/**
 * A loaded model: a Hugging Face directory (`config.json` and
 * `model.safetensors` or a sharded `model.safetensors.index.json`) of a
 * `LlamaForCausalLM`, `MistralForCausalLM`, `Qwen2ForCausalLM` or
 * `Qwen3ForCausalLM`. The weights are memory-mapped, not copied, unless the
 * load parameters ask for another storage format.
 * Thread-safety: immutable once loaded; may be shared by any number of
 * threads and sessions. Reference-counted internally: tabllm_model_free()
 * while sessions or adapters use the model only drops the caller's reference.
 */
typedef struct tabllm_model tabllm_model;

/** How weights are kept in memory (tabllm_model_params.weight_format). */
typedef enum tabllm_weight_format {
    TABLLM_WEIGHTS_AUTO = 0, /**< as stored in the files (F32, F16 or BF16), mapped, no copy */
    TABLLM_WEIGHTS_F32 = 1,  /**< converted to float32 at load (4 bytes a weight) */
    TABLLM_WEIGHTS_BF16 = 2, /**< converted to bfloat16 at load (round to nearest even) */
    TABLLM_WEIGHTS_F16 = 3,  /**< converted to IEEE half at load (round to nearest even) */
    TABLLM_WEIGHTS_INT8 = 4, /**< projections quantized to 8 bits at load (Q8_0: blocks of 32
                                  weights with an F16 scale, 1.06 bytes a weight); the embedding
                                  stays mapped as stored; a matrix whose rows are not a multiple
                                  of 32 stays as stored. See docs/performance.md. */
    TABLLM_WEIGHT_FORMAT_MAX_ENUM_ = 0x7fffffff
} tabllm_weight_format;

/** tabllm_model_params.flags: scan every weight for NaN and infinity at load
 *  and refuse the model naming the first tensor and element that has one.
 *  Costs one pass over the weights (off by default, as in transformers). */
#define TABLLM_MODEL_CHECK_FINITE 0x1u

/** How a model is loaded. Fill with tabllm_model_params_init(). */
typedef struct tabllm_model_params {
    size_t struct_size;
    uint32_t weight_format; /**< a ::tabllm_weight_format; default AUTO */
    uint32_t flags;         /**< TABLLM_MODEL_* bits; default 0 */
} tabllm_model_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_model_params_init(tabllm_model_params *params,
                                                  size_t struct_size);

/**
 * Loads a model directory. Everything is checked before the call returns:
 * config.json field by field (an unknown architecture, activation or RoPE
 * type is refused by name), every safetensors header in full (dtype, shape,
 * offsets inside the file, no overlaps, element count times element size
 * equal to the byte length, header at most 100 MB, no duplicate names), and
 * every tensor the architecture needs, by name and shape.
 * @param dir     the model directory
 * @param params  load options, or NULL for the defaults
 * @param out     receives the model; NULL on failure
 * @return #TABLLM_OK; #TABLLM_ERR_IO; #TABLLM_ERR_FORMAT (malformed JSON or
 *         safetensors, with file and position); #TABLLM_ERR_UNSUPPORTED (an
 *         architecture, field value or dtype this library does not run);
 *         #TABLLM_ERR_NOT_FOUND (a missing tensor, named);
 *         #TABLLM_ERR_SHAPE_MISMATCH (a tensor of the wrong shape, both
 *         shapes named); #TABLLM_ERR_LIMIT_EXCEEDED; #TABLLM_ERR_ABI_MISMATCH;
 *         #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: the caller releases the model with tabllm_model_free(). The
 *         files stay mapped until the model and all its sessions are freed.
 * Thread-safety: may be called from any thread.
 */
TABLLM_API tabllm_status tabllm_model_load(const char *dir, const tabllm_model_params *params,
                                           tabllm_model **out);

/** Drops the caller's reference to a model. NULL is a no-op. The model is
 *  destroyed when its last session or adapter is freed too. */
TABLLM_API void tabllm_model_free(tabllm_model *model);

/** The architecture as config.json names it ("Qwen2ForCausalLM"); static
 *  storage valid while the model lives. */
TABLLM_API const char *tabllm_model_architecture(const tabllm_model *model);
/** Vocabulary size (rows of the embedding matrix). */
TABLLM_API int32_t tabllm_model_n_vocab(const tabllm_model *model);
/** Hidden size, the length of an embedding vector. */
TABLLM_API int32_t tabllm_model_n_embd(const tabllm_model *model);
/** Number of decoder layers. */
TABLLM_API int32_t tabllm_model_n_layers(const tabllm_model *model);
/** Number of attention (query) heads. */
TABLLM_API int32_t tabllm_model_n_heads(const tabllm_model *model);
/** Number of key/value heads (fewer than n_heads with grouped-query attention). */
TABLLM_API int32_t tabllm_model_n_kv_heads(const tabllm_model *model);
/** Size of one attention head. */
TABLLM_API int32_t tabllm_model_head_dim(const tabllm_model *model);
/** max_position_embeddings: the context length the model was trained for. */
TABLLM_API int32_t tabllm_model_n_ctx_train(const tabllm_model *model);
/** config.json's bos_token_id, or -1 when it has none. */
TABLLM_API tabllm_token tabllm_model_bos(const tabllm_model *model);
/**
 * config.json's eos_token_id, which may be a list.
 * @param n  receives the number of ids (0 when there is none)
 * @return the ids, borrowed, valid while the model lives.
 */
TABLLM_API const tabllm_token *tabllm_model_eos(const tabllm_model *model, size_t *n);
/** Bytes of weight data the forward pass reads per token (all matrices and
 *  vectors, the output projection once), for bandwidth arithmetic. */
TABLLM_API uint64_t tabllm_model_weight_bytes(const tabllm_model *model);

/**
 * A session: a model in use, with a KV cache for up to `n_seq_max`
 * sequences of up to `n_ctx` tokens each, the activations of the last
 * decode, a random number generator and a pool of `n_threads` threads.
 * Thread-safety: one thread at a time (it may move between threads).
 * Sessions of one model are independent and may run concurrently.
 */
typedef struct tabllm_session tabllm_session;

/** tabllm_session_params.flags: keep the final hidden states (after the
 *  last norm) of every position, so tabllm_session_embed() and
 *  tabllm_session_hidden() can be used. Costs n_seq_max·n_ctx·n_embd floats. */
#define TABLLM_SESSION_KEEP_HIDDEN 0x1u

/** How a session is created. Fill with tabllm_session_params_init(). */
typedef struct tabllm_session_params {
    size_t struct_size;
    uint32_t n_ctx;     /**< tokens per sequence; default 0 = min(n_ctx_train, 4096) */
    uint32_t n_seq_max; /**< sequences (KV cache slots); default 1 */
    uint32_t n_threads; /**< threads doing the work, counting the caller; default 1 */
    uint32_t flags;     /**< TABLLM_SESSION_* bits; default 0 */
    uint64_t seed;      /**< seeds the sampling generator; default 0 */
} tabllm_session_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_session_params_init(tabllm_session_params *params,
                                                    size_t struct_size);

/**
 * Creates a session on a model. The KV cache (n_layers·n_seq_max·n_ctx·
 * 2·n_kv_heads·head_dim floats) is allocated here, so a session that was
 * created will not run out of memory for its cache later.
 *
 * OpenBLAS: large batches run their projections as SGEMM. When OpenBLAS'
 * process-wide thread count is 1, each of the session's threads calls SGEMM
 * on its own slice; otherwise one call is made and OpenBLAS' own threads do
 * the work. The library never changes that count itself; see
 * tabllm_set_blas_threads().
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (zero or absurd sizes,
 *         n_threads above 256); #TABLLM_ERR_LIMIT_EXCEEDED (a cache larger
 *         than the address space); #TABLLM_ERR_OUT_OF_MEMORY;
 *         #TABLLM_ERR_ABI_MISMATCH.
 * Ownership: the session holds a reference to the model; free it with
 *         tabllm_session_free().
 */
TABLLM_API tabllm_status tabllm_session_new(tabllm_model *model,
                                            const tabllm_session_params *params,
                                            tabllm_session **out);

/** Frees a session and its threads. NULL is a no-op. */
TABLLM_API void tabllm_session_free(tabllm_session *session);

/** The model a session runs (borrowed). */
TABLLM_API const tabllm_model *tabllm_session_model(const tabllm_session *session);
/** The session's context length per sequence. */
TABLLM_API uint32_t tabllm_session_n_ctx(const tabllm_session *session);

/**
 * A batch of tokens for tabllm_session_decode(), like llama.cpp's
 * `llama_batch`: row i is token `tokens[i]` of sequence `seq_ids[i]` at
 * position `positions[i]`. The arrays are borrowed for the call only.
 * Rows of one sequence must appear in order, and each sequence's positions
 * must continue it: the first row of sequence s has position
 * tabllm_session_seq_length(s), the next one more, and so on (the KV cache
 * holds positions 0..length-1 of each sequence). Rows of different
 * sequences may interleave.
 */
typedef struct tabllm_batch {
    size_t struct_size;          /**< sizeof(tabllm_batch) */
    uint32_t n_tokens;           /**< rows, at least 1 */
    const tabllm_token *tokens;  /**< [n_tokens] token ids */
    const int32_t *positions;    /**< [n_tokens], or NULL to continue each sequence */
    const int32_t *seq_ids;      /**< [n_tokens] in [0, n_seq_max), or NULL for all 0 */
    const int8_t *logits;        /**< [n_tokens] nonzero = compute logits for the row;
                                      NULL = only the last row */
} tabllm_batch;

/**
 * Runs the model on a batch: appends each row's keys and values to its
 * sequence's cache and computes logits for the rows asked for. The whole
 * batch is checked first; on any error nothing changes.
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (a token id outside
 *         [0, n_vocab), a sequence id outside [0, n_seq_max), a position
 *         that does not continue its sequence, n_tokens 0), each naming the
 *         row; #TABLLM_ERR_CONTEXT_FULL (a sequence would pass n_ctx);
 *         #TABLLM_ERR_OUT_OF_MEMORY (activations for a batch larger than
 *         any before; the cache is unchanged but the previous batch's
 *         outputs are gone).
 * Thread-safety: the session's threads do the work; the call returns when
 * they are done.
 */
TABLLM_API tabllm_status tabllm_session_decode(tabllm_session *session,
                                               const tabllm_batch *batch);

/**
 * The logits of one row of the last decoded batch.
 * @param batch_index  the row, or -1 for the last row that has logits
 * @param out          receives n_vocab floats, borrowed until the next
 *                     decode or the session is freed
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (no such row, or the row
 *         did not ask for logits).
 */
TABLLM_API tabllm_status tabllm_session_logits(const tabllm_session *session,
                                               int32_t batch_index, const float **out);

/**
 * The final hidden state (after the last RMSNorm, what transformers calls
 * `last_hidden_state`) of one row of the last decoded batch. Needs
 * #TABLLM_SESSION_KEEP_HIDDEN.
 * @param out  receives n_embd floats, borrowed until the next decode
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT.
 */
TABLLM_API tabllm_status tabllm_session_hidden(const tabllm_session *session,
                                               int32_t batch_index, const float **out);

/** Pooling for tabllm_session_embed(). */
typedef enum tabllm_pooling {
    TABLLM_POOLING_MEAN = 0, /**< mean of the sequence's final hidden states */
    TABLLM_POOLING_LAST = 1, /**< the final hidden state of its last position */
    TABLLM_POOLING_MAX_ENUM_ = 0x7fffffff
} tabllm_pooling;

/** tabllm_session_embed() flags: divide the vector by its L2 norm. */
#define TABLLM_EMBED_NORMALIZE 0x1u

/**
 * Pools the final hidden states of a sequence into one vector. Needs
 * #TABLLM_SESSION_KEEP_HIDDEN and a sequence of at least one token.
 * @param out  caller buffer of `cap` floats; n_embd are written
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (flag not set, empty
 *         sequence, bad seq id or pooling); #TABLLM_ERR_BUFFER_TOO_SMALL
 *         (cap < n_embd).
 */
TABLLM_API tabllm_status tabllm_session_embed(const tabllm_session *session, int32_t seq_id,
                                              tabllm_pooling pooling, uint32_t flags,
                                              float *out, size_t cap);

/** Number of tokens in a sequence's cache; 0 for an unknown sequence. */
TABLLM_API uint32_t tabllm_session_seq_length(const tabllm_session *session, int32_t seq_id);

/**
 * Forgets a sequence (its length becomes 0). seq_id -1 clears every
 * sequence. @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT.
 */
TABLLM_API tabllm_status tabllm_session_seq_clear(tabllm_session *session, int32_t seq_id);

/**
 * Keeps the first `length` tokens of a sequence (a length at or above the
 * current one is a no-op). @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT.
 */
TABLLM_API tabllm_status tabllm_session_seq_truncate(tabllm_session *session, int32_t seq_id,
                                                     uint32_t length);

/**
 * Makes sequence `dst` a copy of the first `length` tokens of `src` (fork:
 * a shared prompt prefix is computed once and copied, which is much cheaper
 * than recomputing it). `length` UINT32_MAX copies all of `src`.
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (bad ids, length beyond
 *         src).
 */
TABLLM_API tabllm_status tabllm_session_seq_copy(tabllm_session *session, int32_t src,
                                                 int32_t dst, uint32_t length);

/** How a token is drawn from logits. Fill with tabllm_sampler_params_init().
 *  HF order: repetition penalty, temperature, top-k, top-p, min-p. */
typedef struct tabllm_sampler_params {
    size_t struct_size;
    float temperature;        /**< 0 (default) = greedy (argmax, lowest id on ties) */
    int32_t top_k;            /**< keep the k most likely; 0 (default) = off */
    float top_p;              /**< keep the smallest set with mass >= p; 1 (default) = off */
    float min_p;              /**< drop tokens below min_p·max probability; 0 = off */
    float repetition_penalty; /**< transformers' rule; 1 (default) = off */
    int32_t repetition_window; /**< last N history ids penalised; 0 (default) = all */
    uint64_t seed;            /**< tabllm_generate(): reseed the session's generator
                                   with this first when nonzero; ignored by
                                   tabllm_session_sample() */
} tabllm_sampler_params;

/** Fills `params` with the defaults (greedy). */
TABLLM_API tabllm_status tabllm_sampler_params_init(tabllm_sampler_params *params,
                                                    size_t struct_size);

/**
 * Draws the next token from one row's logits, using the session's random
 * generator. The logits themselves are not changed.
 * @param batch_index  as tabllm_session_logits()
 * @param params       NULL = greedy
 * @param history      ids seen so far (for the repetition penalty), may be
 *                     NULL when n_history is 0
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (bad row, parameter
 *         out of range, a history id outside the vocabulary).
 */
TABLLM_API tabllm_status tabllm_session_sample(tabllm_session *session, int32_t batch_index,
                                               const tabllm_sampler_params *params,
                                               const tabllm_token *history, size_t n_history,
                                               tabllm_token *out);

/** Reseeds the session's random generator. */
TABLLM_API void tabllm_session_set_seed(tabllm_session *session, uint64_t seed);

/**
 * Sets OpenBLAS' process-wide thread count (openblas_set_num_threads). This
 * is the only call through which libtabllm changes it, and it affects every
 * user of OpenBLAS in the process (numpy included). With 1, sessions split
 * their SGEMMs over their own threads, which is what `n_threads` then means
 * for every step (recommended for servers running several sessions).
 * @param n_threads  at least 1
 * @param previous   receives the count before the call (may be NULL)
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT.
 * Thread-safety: process-wide; do not call while sessions are decoding.
 */
TABLLM_API tabllm_status tabllm_set_blas_threads(int32_t n_threads, int32_t *previous);

/* ========================================================================= */
/*  5. Adapters: PEFT LoRA                                                    */
/* ========================================================================= */

/**
 * A PEFT LoRA adapter (`adapter_config.json` + `adapter_model.safetensors`)
 * loaded for one model and checked against it. Every PEFT rule that changes
 * the computation is honoured (r, lora_alpha, use_rslora, target_modules as
 * a list, a regex or "all-linear", exclude_modules, rank_pattern,
 * alpha_pattern, layers_to_transform/layers_pattern, bias, lora_bias, DoRA,
 * modules_to_save for lm_head and embed_tokens, LoRA on the embedding);
 * whatever is not implemented is refused by name, never ignored
 * (docs/lora.md lists both, with PEFT's sources).
 * Thread-safety: immutable once loaded; may be shared by any number of
 * sessions and threads. Reference-counted internally: it keeps its model
 * alive, and sessions using it keep it alive.
 */
typedef struct tabllm_adapter tabllm_adapter;

/** tabllm_adapter_params.flags: scan every adapter tensor for NaN and
 *  infinity at load and refuse the adapter naming the first one. */
#define TABLLM_ADAPTER_CHECK_FINITE 0x1u
/** tabllm_adapter_params.flags: accept adapter_config.json fields this
 *  library does not know even when they hold a non-default value (by
 *  default such a field is refused, since it may change the computation).
 *  Each one accepted this way is reported through the log callback. */
#define TABLLM_ADAPTER_ALLOW_UNKNOWN_FIELDS 0x2u

/** How an adapter is loaded. Fill with tabllm_adapter_params_init(). */
typedef struct tabllm_adapter_params {
    size_t struct_size;
    uint32_t flags; /**< TABLLM_ADAPTER_* bits; default 0 */
} tabllm_adapter_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_adapter_params_init(tabllm_adapter_params *params,
                                                    size_t struct_size);

/**
 * Loads a PEFT adapter directory for `model`. Everything is checked before
 * the call returns: adapter_config.json field by field; the safetensors
 * header in full; every tensor's name (with or without PEFT's adapter-name
 * infix, e.g. `lora_A.default.weight`), that it belongs to a module the
 * config targets, and its shape against the model's module (in and out
 * sizes, layer index) and the config's rank; that every targeted module has
 * its tensors. DoRA's norm terms are computed here, so attaching is cheap.
 * `adapter_model.bin` (a pickle) is refused: convert it to safetensors.
 * @param model   the model the adapter applies to (the adapter keeps a
 *                reference to it)
 * @param dir     the adapter directory
 * @param params  load options, or NULL for the defaults
 * @param out     receives the adapter; NULL on failure
 * @return #TABLLM_OK; #TABLLM_ERR_IO; #TABLLM_ERR_NOT_FOUND (a missing file
 *         or tensor, named); #TABLLM_ERR_FORMAT (malformed JSON or
 *         safetensors, a field of the wrong type or value, a tensor that
 *         belongs to nothing the config describes);
 *         #TABLLM_ERR_UNSUPPORTED (another peft_type, a pickle, a PEFT
 *         option not implemented, an unknown config field with a
 *         non-default value); #TABLLM_ERR_ADAPTER_MISMATCH (a module the
 *         model does not have, a layer beyond the model, an in/out size
 *         that differs: the message names the tensor and both shapes);
 *         #TABLLM_ERR_SHAPE_MISMATCH (a tensor whose rank differs from the
 *         config's r/rank_pattern); #TABLLM_ERR_LIMIT_EXCEEDED;
 *         #TABLLM_ERR_INVALID_ARGUMENT; #TABLLM_ERR_ABI_MISMATCH;
 *         #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: free with tabllm_adapter_free().
 * Thread-safety: may be called from any thread, also while sessions of the
 *         model run (the model is not changed).
 */
TABLLM_API tabllm_status tabllm_adapter_load(tabllm_model *model, const char *dir,
                                             const tabllm_adapter_params *params,
                                             tabllm_adapter **out);

/** Drops the caller's reference. NULL is a no-op. Sessions that use the
 *  adapter keep it alive until they stop using it. */
TABLLM_API void tabllm_adapter_free(tabllm_adapter *adapter);

/** The model the adapter was loaded for (borrowed). */
TABLLM_API const tabllm_model *tabllm_adapter_model(const tabllm_adapter *adapter);
/** adapter_config.json's `r` (the default rank; rank_pattern may differ per
 *  module); 0 for NULL. */
TABLLM_API int32_t tabllm_adapter_rank(const tabllm_adapter *adapter);
/** adapter_config.json's `lora_alpha`; 0 for NULL. */
TABLLM_API double tabllm_adapter_alpha(const tabllm_adapter *adapter);

/** tabllm_adapter_features() bits. */
#define TABLLM_ADAPTER_HAS_RSLORA 0x1u          /**< use_rslora: scaling alpha/sqrt(r) */
#define TABLLM_ADAPTER_HAS_DORA 0x2u            /**< use_dora */
#define TABLLM_ADAPTER_HAS_LORA_BIAS 0x4u       /**< lora_bias: lora_B has a bias */
#define TABLLM_ADAPTER_HAS_EMBEDDING_LORA 0x8u  /**< LoRA on embed_tokens */
#define TABLLM_ADAPTER_HAS_REPLACED_MODULES 0x10u /**< modules_to_save tensors */
#define TABLLM_ADAPTER_HAS_TRAINED_BIASES 0x20u /**< bias "all"/"lora_only" tensors */

/** What the adapter contains, as TABLLM_ADAPTER_HAS_* bits. */
TABLLM_API uint32_t tabllm_adapter_features(const tabllm_adapter *adapter);

/** How one module of the model is changed by an adapter. */
typedef enum tabllm_adapter_target_kind {
    TABLLM_ADAPTER_TARGET_LORA = 0,     /**< y += scaling·B·A·x */
    TABLLM_ADAPTER_TARGET_DORA = 1,     /**< DoRA's normalised form */
    TABLLM_ADAPTER_TARGET_REPLACED = 2, /**< modules_to_save: a whole new weight */
    TABLLM_ADAPTER_TARGET_BIAS = 3,     /**< only a trained bias (bias "all") */
    TABLLM_ADAPTER_TARGET_KIND_MAX_ENUM_ = 0x7fffffff
} tabllm_adapter_target_kind;

/** One module an adapter changes (tabllm_adapter_target()). */
typedef struct tabllm_adapter_target_info {
    size_t struct_size;
    const char *module;   /**< "model.layers.3.self_attn.q_proj", borrowed */
    int32_t layer;        /**< decoder layer, -1 for embed_tokens and lm_head */
    int32_t rank;         /**< this module's rank (rank_pattern applied); 0 when
                               not low-rank */
    double alpha;         /**< this module's alpha (alpha_pattern applied) */
    double scaling;       /**< alpha/rank, or alpha/sqrt(rank) with use_rslora */
    uint32_t kind;        /**< a ::tabllm_adapter_target_kind */
} tabllm_adapter_target_info;

/** Number of modules the adapter changes. */
TABLLM_API size_t tabllm_adapter_n_targets(const tabllm_adapter *adapter);

/**
 * Describes the i-th module the adapter changes (model order: embedding,
 * layers, lm_head).
 * @param info  its struct_size set by the caller
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (index out of range,
 *         NULL); #TABLLM_ERR_ABI_MISMATCH.
 */
TABLLM_API tabllm_status tabllm_adapter_target(const tabllm_adapter *adapter, size_t index,
                                               tabllm_adapter_target_info *info);

/**
 * Makes every sequence of the session use these adapters, in this order,
 * each with its own scale (PEFT's active adapters: each adds
 * scale·scaling·B·A·x to a projection; DoRA adapters apply their
 * normalisation in turn). n = 0 returns the session to the base model.
 * Replaces any per-sequence choice. No weight is reloaded or changed: the
 * adapters' factors are used as loaded and the model's weights are never
 * touched, so sessions of one model may use different adapters at once.
 * Attaching costs O(sum of adapted output sizes) (DoRA's norms use terms
 * precomputed at load). The KV cache is kept: tokens already cached were
 * computed with the previous adapters (clear sequences to start afresh).
 * @param adapters  n adapters loaded for the session's model, no duplicates
 * @param scales    n finite scales, or NULL for 1 each
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (an adapter of another
 *         model, NULL entries, duplicates, a non-finite scale, two adapters
 *         replacing the same module, adapters merged: unmerge first);
 *         #TABLLM_ERR_OUT_OF_MEMORY (the session is unchanged).
 * Thread-safety: as every session call (one thread at a time).
 */
TABLLM_API tabllm_status tabllm_session_set_adapters(tabllm_session *session,
                                                     tabllm_adapter *const *adapters,
                                                     const float *scales, size_t n);

/**
 * Gives one sequence its own adapter set, as tabllm_session_set_adapters()
 * does for all (n = 0: the base model for this sequence). The rows of one
 * batch may belong to sequences with different sets: they are computed in
 * the same forward pass, rows grouped into runs that share a set, each
 * run's low-rank products done as GEMMs (segmented, as Punica/S-LoRA do).
 * @return as tabllm_session_set_adapters(), plus #TABLLM_ERR_INVALID_ARGUMENT
 *         for a seq_id outside [0, n_seq_max).
 */
TABLLM_API tabllm_status tabllm_session_set_seq_adapters(tabllm_session *session,
                                                         int32_t seq_id,
                                                         tabllm_adapter *const *adapters,
                                                         const float *scales, size_t n);

/**
 * Merges the session's adapters into session-private copies of the weights
 * they change (in the weights' storage format), so decoding runs at the
 * base model's speed. Costs memory for those copies and
 * O(rank·out·in) per adapted module once. All sequences must use the same
 * set. The model's own weights are not touched.
 * @return #TABLLM_OK (also when no adapter is set: nothing to merge);
 *         #TABLLM_ERR_INVALID_ARGUMENT (sequences use different sets, or
 *         already merged); #TABLLM_ERR_OUT_OF_MEMORY (still unmerged).
 */
TABLLM_API tabllm_status tabllm_session_merge_adapters(tabllm_session *session);

/**
 * Drops the merged copies: the session computes with the adapters unmerged
 * again, and with no adapter set, exactly the base model (its weights were
 * never changed). A no-op when nothing is merged.
 */
TABLLM_API void tabllm_session_unmerge_adapters(tabllm_session *session);

/** Whether the session's adapters are merged. */
TABLLM_API int tabllm_session_adapters_merged(const tabllm_session *session);

/* ========================================================================= */
/*  6. Tasks: generation, row prediction, table QA                            */
/* ========================================================================= */

/**
 * @name Generation
 * tabllm_generate() continues a sequence of a session token by token until a
 * stop condition: a maximum count, a stop token id, a stop string, the end of
 * the context, or a callback asking to stop. docs/prediction.md has examples.
 * @{
 */

/**
 * Called by tabllm_generate() once per generated token.
 * @param token      the token just drawn; a stop token id is reported too,
 *                   last, with the text held back until then (often "")
 * @param text       text that became final with this token (UTF-8, not
 *                   NUL-terminated, borrowed for the call); "" when the token
 *                   ends inside a character or the text may still turn out to
 *                   be the start of a stop string, which is then held back
 * @param len        its length in bytes
 * @param user_data  as given in the params
 * @return 0 to go on; anything else stops generation with
 *         #TABLLM_ERR_CANCELLED.
 */
typedef int (*tabllm_token_fn)(tabllm_token token, const char *text, size_t len,
                               void *user_data);

/** tabllm_generate_params.flags: do not stop at the model's and the
 *  tokenizer's end-of-sequence ids (only at `stop_ids`). */
#define TABLLM_GENERATE_NO_DEFAULT_STOP 0x1u
/** tabllm_generate_params.flags: leave special tokens out of the text. */
#define TABLLM_GENERATE_SKIP_SPECIAL 0x2u

/** Why tabllm_generate() stopped. */
typedef enum tabllm_stop_reason {
    TABLLM_STOP_NONE = 0,         /**< not stopped (never returned) */
    TABLLM_STOP_MAX_TOKENS = 1,   /**< `max_tokens` tokens were generated */
    TABLLM_STOP_TOKEN = 2,        /**< a stop token id (end of sequence) was drawn */
    TABLLM_STOP_STRING = 3,       /**< the text reached a stop string */
    TABLLM_STOP_CONTEXT_FULL = 4, /**< the sequence filled the session's context */
    TABLLM_STOP_REASON_MAX_ENUM_ = 0x7fffffff
} tabllm_stop_reason;

/** How tabllm_generate() runs. Fill with tabllm_generate_params_init(). */
typedef struct tabllm_generate_params {
    size_t struct_size;
    uint32_t max_tokens;                  /**< most tokens to generate; default 256 */
    uint32_t flags;                       /**< TABLLM_GENERATE_* bits; default 0 */
    int32_t seq_id;                       /**< the session sequence to continue; default 0 */
    const tabllm_sampler_params *sampler; /**< NULL (default) = greedy */
    /** Extra stop ids, besides the model's eos ids (config.json and
     *  generation_config.json) and the tokenizer's eos token. */
    const tabllm_token *stop_ids;
    size_t n_stop_ids;
    /** Stop strings: generation ends when the text contains one; the text
     *  returned ends just before it. */
    const char *const *stop_strings;
    size_t n_stop_strings;
    tabllm_token_fn on_token; /**< called per token; may cancel; default NULL */
    void *user_data;          /**< passed to on_token */
    uint32_t max_batch;       /**< prompt tokens per forward pass; default 512 */
} tabllm_generate_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_generate_params_init(tabllm_generate_params *params,
                                                     size_t struct_size);

/** What tabllm_generate() reports besides the text (optional). */
typedef struct tabllm_generate_info {
    size_t struct_size;     /**< set by the caller: sizeof(tabllm_generate_info) */
    uint32_t stop_reason;   /**< a ::tabllm_stop_reason */
    uint32_t n_tokens;      /**< tokens generated (the stop token not counted) */
    uint32_t n_prompt;      /**< prompt tokens decoded */
    tabllm_token stop_token; /**< the stop id drawn, or -1 */
} tabllm_generate_info;

/**
 * Decodes `prompt` onto a sequence of a session, then draws tokens one at a
 * time (with the sampler, seeded by its `seed` when nonzero) and decodes
 * each, until a stop condition. The text is the tokenizer's decoding of the
 * generated tokens (as Hugging Face's DecodeStream gives it), cut before the
 * first stop string.
 *
 * The sequence keeps the prompt and every token decoded, so a conversation
 * can go on with another call; clear or truncate it to start afresh. When
 * the callback cancels, the call returns #TABLLM_ERR_CANCELLED and the
 * session stays usable: the sequence holds what was decoded until then.
 * @param session    the session (its sequence `params->seq_id` is continued)
 * @param tokenizer  the model's tokenizer, to decode text and match stop strings
 * @param prompt     ids to decode first (the caller adds BOS and chat markup)
 * @param n_prompt   number of prompt ids, at least 1
 * @param params     NULL for the defaults (greedy, 256 tokens, eos stops)
 * @param text       receives the generated text, NUL-terminated (may be NULL)
 * @param text_len   receives its length (may be NULL)
 * @param info       receives the stop reason and counts (may be NULL); its
 *                   struct_size must be set
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (bad ids, sampler
 *         parameters or sequence id, no prompt);
 *         #TABLLM_ERR_CONTEXT_FULL (the prompt does not fit: nothing is
 *         generated, the sequence is unchanged); #TABLLM_ERR_CANCELLED;
 *         #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: free `*text` with tabllm_free(); it is NULL on failure.
 * Thread-safety: as the session: one thread at a time.
 */
TABLLM_API tabllm_status tabllm_generate(tabllm_session *session,
                                         const tabllm_tokenizer *tokenizer,
                                         const tabllm_token *prompt, size_t n_prompt,
                                         const tabllm_generate_params *params, char **text,
                                         size_t *text_len, tabllm_generate_info *info);
/** @} */

/**
 * @name Row prediction
 * tabllm_predict() scores a closed set of labels for each row of a table, as
 * TabuLa-8B and UniPredict-style models are evaluated: for each row the
 * prompt of a table encoding (TabuLa's BasicSerializerV2 by default), then,
 * for each label, the log-probability of the label's tokens followed by the
 * end-of-completion token. docs/prediction.md explains the scoring, few-shot
 * packing and how the work is shared between rows and labels.
 * @{
 */

/**
 * Reports progress of a long call and lets the caller stop it.
 * @param done   units done so far (rows for tabllm_predict())
 * @param total  units in all
 * @return 0 to go on; anything else stops the call with #TABLLM_ERR_CANCELLED.
 */
typedef int (*tabllm_progress_fn)(size_t done, size_t total, void *user_data);

/** How few-shot examples are drawn from the support table. */
typedef enum tabllm_shot_selection {
    TABLLM_SHOTS_RANDOM = 0,   /**< `n_shots` rows at random (by `seed`) */
    TABLLM_SHOTS_BALANCED = 1, /**< as many rows of each label as fit in `n_shots`
                                    (`n_shots / n_labels` each, the rest to the
                                    first labels), in random order (by `seed`) */
    TABLLM_SHOT_SELECTION_MAX_ENUM_ = 0x7fffffff
} tabllm_shot_selection;

/** Which label scores a result's probabilities and argmax come from. */
typedef enum tabllm_scoring {
    TABLLM_SCORING_SUM = 0,  /**< the summed log-probability of the label's tokens */
    TABLLM_SCORING_MEAN = 1, /**< the same divided by the number of tokens
                                  (length-normalised) */
    TABLLM_SCORING_MAX_ENUM_ = 0x7fffffff
} tabllm_scoring;

/** tabllm_predict_params.flags: compute row embeddings too (see
 *  tabllm_prediction_embeddings()). */
#define TABLLM_PREDICT_EMBEDDINGS 0x1u
/** tabllm_predict_params.flags: embeddings only; labels are not scored
 *  (and need not be known). Implies #TABLLM_PREDICT_EMBEDDINGS. */
#define TABLLM_PREDICT_EMBEDDINGS_ONLY 0x2u
/** tabllm_predict_params.flags: L2-normalise the embeddings. */
#define TABLLM_PREDICT_NORMALIZE 0x4u
/** tabllm_predict_params.flags: score every row and label as its own
 *  evaluation (no prefix, prompt or batch sharing). The same numbers, much
 *  slower: a reference for tests and benchmarks. */
#define TABLLM_PREDICT_NAIVE 0x8u
/** tabllm_predict_params.flags: merge `adapters` into the session's private
 *  weights before scoring (tabllm_session_merge_adapters()): the speed of
 *  the base model for the cost of a copy of the changed weights. */
#define TABLLM_PREDICT_MERGE_ADAPTERS 0x10u

/** How tabllm_predict() runs. Fill with tabllm_predict_params_init(). */
typedef struct tabllm_predict_params {
    size_t struct_size;
    /** The column to predict (required). The table may lack it when the
     *  labels are given or the support table has it. */
    const char *target;
    /** The candidate labels, as they are printed in prompts; NULL (default)
     *  = the target's distinct non-missing values, in order of first
     *  appearance, in the support table if there is one, else in the table. */
    const char *const *labels;
    size_t n_labels;
    /** The prompt encoding, or NULL (default) for TabuLa-8B's
     *  (#TABLLM_ENCODING_TABULA). Any per-row encoding works
     *  (#TABLLM_ENCODING_TABULA*, #TABLLM_ENCODING_UNIPREDICT,
     *  #TABLLM_ENCODING_TEMPLATE with `template_text`); its `row`, `target`,
     *  `labels` and selection fields are set by tabllm_predict(). */
    const tabllm_encode_params *encode;
    /** Text appended to every label before it is tokenized; NULL (default)
     *  = "<|endcompletion|>" when the tokenizer has that token, else "". */
    const char *completion_end;
    /** Text put before every label (e.g. " " after a prompt ending in
     *  "Answer:"); default NULL = "". */
    const char *label_prefix;
    /** Few-shot examples: rows of this table (same columns as the target and
     *  features) are put before each query row, with their labels. */
    const tabllm_table *support;
    uint32_t n_shots;          /**< examples per query; default 0 */
    uint32_t shot_selection;   /**< a ::tabllm_shot_selection; default RANDOM */
    uint64_t seed;             /**< for shot selection; default 0 */
    const size_t *shot_rows;   /**< explicit support rows, in order (overrides n_shots) */
    size_t n_shot_rows;
    const size_t *rows;        /**< only these rows of the table (NULL = all) */
    size_t n_rows;
    uint32_t flags;            /**< TABLLM_PREDICT_* bits; default 0 */
    uint32_t pooling;          /**< a ::tabllm_pooling for embeddings; default MEAN */
    uint32_t n_threads;        /**< threads for the model; default 1 */
    uint32_t max_batch_tokens; /**< tokens per forward pass; default 2048 */
    uint32_t max_context;      /**< longest sequence allowed; default the model's
                                    max_position_embeddings */
    tabllm_progress_fn progress; /**< called after each batch of rows; may cancel */
    void *progress_user_data;
    /** LoRA adapters loaded for `model`, applied in order to every row
     *  (tabllm_session_set_adapters()); default NULL, none. */
    tabllm_adapter *const *adapters;
    const float *adapter_scales; /**< n_adapters scales, or NULL for 1 each */
    size_t n_adapters;
} tabllm_predict_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_predict_params_init(tabllm_predict_params *params,
                                                    size_t struct_size);

/**
 * The result of tabllm_predict(): per row and label, log-probabilities and
 * probabilities; per row, the argmax, the true label when the table has the
 * target, and optionally an embedding.
 * Thread-safety: immutable; may be read from any thread.
 */
typedef struct tabllm_prediction tabllm_prediction;

/**
 * Scores the labels of every row of a table.
 *
 * For each row: the prompt is the encoding of that row (the target's value
 * left out), after the few-shot examples if any (each example is its prompt
 * followed by its label and `completion_end`; only the first sample gets the
 * tokenizer's BOS, as TabuLa packs them). For each label, the continuation
 * `label_prefix + label + completion_end` is tokenized alone and its tokens'
 * log-probabilities after the prompt are summed. Probabilities are the
 * softmax of these scores over the labels (sum or length-normalised).
 *
 * Work is shared: the part every prompt starts with (BOS, the few-shot
 * examples, the template's common opening) is computed once and forked;
 * each row's prompt is computed once and forked for its labels; many rows
 * run in one batched forward pass.
 * @param model      the model
 * @param tokenizer  its tokenizer
 * @param table      the rows to predict
 * @param params     options; `target` is required
 * @param out        receives the result; NULL on failure
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT (no target, no labels
 *         to be found, an empty or repeated label, a label that tokenizes to
 *         nothing, a support row whose value is not a label or is missing,
 *         fewer support rows than shots, bad flags);
 *         #TABLLM_ERR_NOT_FOUND (the target column is in neither table and
 *         no labels were given, or shots are asked for and the support table
 *         lacks it); #TABLLM_ERR_UNSUPPORTED (an encoding that does not make
 *         one prompt per row); #TABLLM_ERR_TABLE_SHAPE (no rows to predict);
 *         #TABLLM_ERR_CONTEXT_FULL (a row's prompt and label pass
 *         `max_context`: the message names the row and the lengths);
 *         #TABLLM_ERR_CANCELLED (the progress callback asked to stop); the
 *         statuses of tabllm_table_encode() and tabllm_tokenizer_encode();
 *         #TABLLM_ERR_OUT_OF_MEMORY.
 * Ownership: free the result with tabllm_prediction_free().
 * Thread-safety: the model, tokenizer and tables may be shared; the call
 * uses its own session.
 */
TABLLM_API tabllm_status tabllm_predict(tabllm_model *model, const tabllm_tokenizer *tokenizer,
                                        const tabllm_table *table,
                                        const tabllm_predict_params *params,
                                        tabllm_prediction **out);

/** Frees a result. NULL is a no-op. */
TABLLM_API void tabllm_prediction_free(tabllm_prediction *prediction);

/** Rows in the result (one per predicted table row, in order). */
TABLLM_API size_t tabllm_prediction_n_rows(const tabllm_prediction *prediction);
/** Labels in the result (0 with #TABLLM_PREDICT_EMBEDDINGS_ONLY). */
TABLLM_API size_t tabllm_prediction_n_labels(const tabllm_prediction *prediction);
/** Label `i` as printed (borrowed, valid while the result lives); NULL out of range. */
TABLLM_API const char *tabllm_prediction_label(const tabllm_prediction *prediction, size_t i);
/** The table row behind result row `i`; SIZE_MAX out of range. */
TABLLM_API size_t tabllm_prediction_table_row(const tabllm_prediction *prediction, size_t i);

/**
 * Probabilities, [n_rows × n_labels] row-major: the softmax over the labels
 * of the chosen scores. Each row sums to 1.
 * @return borrowed, valid while the result lives; NULL for an unknown
 *         scoring or when labels were not scored.
 */
TABLLM_API const double *tabllm_prediction_probs(const tabllm_prediction *prediction,
                                                 tabllm_scoring scoring);

/**
 * Label scores, [n_rows × n_labels]: the summed log-probability of each
 * label's tokens (SUM) or their mean (MEAN).
 * @return as tabllm_prediction_probs().
 */
TABLLM_API const double *tabllm_prediction_logprobs(const tabllm_prediction *prediction,
                                                    tabllm_scoring scoring);

/** Tokens of each label's continuation, [n_labels] (what MEAN divides by). */
TABLLM_API const uint32_t *tabllm_prediction_label_tokens(const tabllm_prediction *prediction);

/**
 * The most probable label of each row, [n_rows] (lowest index on ties).
 * @return as tabllm_prediction_probs().
 */
TABLLM_API const int32_t *tabllm_prediction_argmax(const tabllm_prediction *prediction,
                                                   tabllm_scoring scoring);

/**
 * The true label of each row when the table has the target column, [n_rows]:
 * its index among the labels, -1 for a missing value, -2 for a value that is
 * not one of the labels.
 * @return borrowed; NULL when the table has no target column or labels were
 *         not scored.
 */
TABLLM_API const int32_t *tabllm_prediction_truth(const tabllm_prediction *prediction);

/**
 * Row embeddings, [n_rows × dim] (#TABLLM_PREDICT_EMBEDDINGS): the final
 * hidden states of the row's prompt tokens pooled as `pooling` says (the BOS
 * and the few-shot examples before it are context, not pooled).
 * @param dim  receives the embedding size (may be NULL)
 * @return borrowed; NULL when embeddings were not asked for.
 */
TABLLM_API const float *tabllm_prediction_embeddings(const tabllm_prediction *prediction,
                                                     size_t *dim);
/** @} */

/**
 * @name Table question answering
 * @{
 */

/** tabllm_answer_params.flags: do not use the tokenizer's chat template even
 *  when it has one. */
#define TABLLM_ANSWER_NO_CHAT 0x1u
/** tabllm_answer_params.flags: merge `adapters` into the session's private
 *  weights first (see #TABLLM_PREDICT_MERGE_ADAPTERS). */
#define TABLLM_ANSWER_MERGE_ADAPTERS 0x2u

/** How tabllm_answer() runs. Fill with tabllm_answer_params_init(). */
typedef struct tabllm_answer_params {
    size_t struct_size;
    /** How the table is printed; NULL (default) = Markdown. Its token budget
     *  and question are set by tabllm_answer(). */
    const tabllm_encode_params *encode;
    uint32_t flags;         /**< TABLLM_ANSWER_* bits; default 0 */
    uint32_t max_tokens;    /**< longest answer in tokens; default 128 */
    uint32_t n_ctx;         /**< context for table, question and answer; default
                                 min(max_position_embeddings, 4096) */
    uint32_t n_threads;     /**< default 1 */
    /** The system message (chat) or first line (no chat); NULL (default) =
     *  "Answer the question about the table. Give only the answer." */
    const char *instruction;
    tabllm_token_fn on_token; /**< per generated token; may cancel; default NULL */
    void *user_data;
    /** LoRA adapters loaded for `model`, applied in order
     *  (tabllm_session_set_adapters()); default NULL, none. */
    tabllm_adapter *const *adapters;
    const float *adapter_scales; /**< n_adapters scales, or NULL for 1 each */
    size_t n_adapters;
} tabllm_answer_params;

/** Fills `params` with the defaults (see tabllm_table_read_params_init()). */
TABLLM_API tabllm_status tabllm_answer_params_init(tabllm_answer_params *params,
                                                   size_t struct_size);

/**
 * Answers a question about a table. The table is encoded (Markdown by
 * default) and, when it does not fit the context next to the question and
 * the answer, reduced to the rows most relevant to the question (BM25) that
 * fit. With a chat template (and no #TABLLM_ANSWER_NO_CHAT) the prompt is a
 * system message with the instruction and a user message with the table and
 * the question, rendered with the generation prompt; without, it is
 * "{instruction}\n\n{table}\nQuestion: {question}\nAnswer:". The answer is
 * generated greedily until an end-of-sequence id, `max_tokens` or (without
 * a chat template) a line break, and returned stripped of surrounding spaces.
 * @return #TABLLM_OK; #TABLLM_ERR_INVALID_ARGUMENT; #TABLLM_ERR_INVALID_UTF8
 *         (the question); #TABLLM_ERR_CONTEXT_FULL (the question alone does
 *         not fit); #TABLLM_ERR_CANCELLED; the statuses of
 *         tabllm_table_encode(), tabllm_chat_render() and tabllm_generate().
 * Ownership: free `*answer` with tabllm_free().
 * Thread-safety: the model, tokenizer and table may be shared.
 */
TABLLM_API tabllm_status tabllm_answer(tabllm_model *model, const tabllm_tokenizer *tokenizer,
                                       const tabllm_table *table, const char *question,
                                       const tabllm_answer_params *params, char **answer,
                                       size_t *answer_len);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* TABLLM_H */
