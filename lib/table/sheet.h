/* What a table read from a spreadsheet knows beyond its cells.
 *
 * A tabllm_table holds the sheet's used range as header + rows of cells whose
 * text is what the sheet displays ("12.50%", "2024-01-31"). The spreadsheet
 * encodings (SpreadsheetLLM) need more: where the range sits on the sheet,
 * each cell's raw value and number format, and the merged ranges. That lives
 * here, hung off the table by one pointer (table->sheet, NULL for tables read
 * from CSV/HTML/JSON) and freed with it.
 *
 * The grid below covers the whole used range, header row included: grid row
 * 0 is the table's header when table->has_header, else the table's row 0. */
#ifndef TL_TABLE_SHEET_H
#define TL_TABLE_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Excel's grid: 1,048,576 rows x 16,384 columns (A..XFD). */
#define TL_SHEET_MAX_ROWS 1048576u
#define TL_SHEET_MAX_COLS 16384u

/* What a cell holds, as the file stores it. */
typedef enum tl_sheet_kind {
    TL_SHEET_EMPTY = 0,
    TL_SHEET_NUMBER = 1, /* t="n" (also dates: a serial with a date format) */
    TL_SHEET_STRING = 2, /* t="s", t="str", t="inlineStr" */
    TL_SHEET_BOOL = 3,   /* t="b" */
    TL_SHEET_ERROR = 4,  /* t="e": #N/A, #DIV/0!, ... */
    TL_SHEET_ISODATE = 5 /* t="d": an ISO 8601 date-time, converted to a serial */
} tl_sheet_kind;

/* The number-format category of a cell: what its format makes of its
 * value. General numbers are INTEGER or DECIMAL by their value. */
typedef enum tl_sheet_category {
    TL_CAT_EMPTY = 0,
    TL_CAT_TEXT = 1,
    TL_CAT_BOOL = 2,
    TL_CAT_ERROR = 3,
    TL_CAT_INTEGER = 4,
    TL_CAT_DECIMAL = 5,
    TL_CAT_PERCENTAGE = 6,
    TL_CAT_CURRENCY = 7,
    TL_CAT_SCIENTIFIC = 8,
    TL_CAT_DATE = 9,
    TL_CAT_TIME = 10,
    TL_CAT_DATETIME = 11,
    TL_CAT_EMAIL = 12, /* text that is an e-mail address (SpreadsheetLLM's EmailData) */
    TL_CAT_COUNT_
} tl_sheet_category;

typedef struct tl_sheet_cell {
    const char *raw; /* the stored value: <v> text, the string, "TRUE"; NULL when empty */
    double number;   /* NUMBER/ISODATE: the value (a date serial for dates) */
    uint32_t format; /* index into tl_sheet.formats */
    uint8_t kind;    /* tl_sheet_kind */
    uint8_t category;
    bool merged;     /* inside a merged range but not its top-left cell */
} tl_sheet_cell;

typedef struct tl_sheet_range { /* 0-based sheet coordinates, inclusive */
    uint32_t first_row, first_col, last_row, last_col;
} tl_sheet_range;

struct tl_sheet {
    const char *name;         /* the sheet's name in the workbook */
    uint32_t origin_row;      /* sheet row (0-based) of grid row 0 */
    uint32_t origin_col;      /* sheet column (0-based) of grid column 0 */
    size_t n_rows, n_cols;    /* the grid; n_cols == table->n_cols */
    tl_sheet_cell *cells;     /* n_rows * n_cols, row-major */
    const char **formats;     /* format codes ("General", "0.00%", ...) */
    size_t n_formats;
    tl_sheet_range *merged;   /* merged ranges, clipped to the grid */
    size_t n_merged;
    bool date1904;            /* the workbook uses the 1904 date system */
    bool has_declared_dimension;
    tl_sheet_range declared;  /* <dimension ref>, as declared (a hint only) */
};

typedef struct tl_sheet tl_sheet;

static inline const tl_sheet_cell *tl_sheet_at(const tl_sheet *s, size_t row, size_t col)
{
    return &s->cells[row * s->n_cols + col];
}

/* Frees a sheet's own allocations; its strings live in the table's arena. */
void tl_sheet_destroy(tl_sheet *s);

/* "A", "Z", "AA", ... for a 0-based column; writes at most 4 bytes + NUL. */
size_t tl_sheet_column_name(uint32_t col, char out[8]);

/* Writes "B3" for 0-based (row, col); returns the length (< 16). */
size_t tl_sheet_address(uint32_t row, uint32_t col, char out[16]);

/* Parses "B3" / "$B$3" into 0-based row and column; false when it is not
 * an address inside Excel's grid. `len` bytes of `s` are read. */
bool tl_sheet_parse_address(const char *s, size_t len, uint32_t *row, uint32_t *col);

/* Parses "A1:C9" or "B2" into a range; false when malformed or reversed. */
bool tl_sheet_parse_range(const char *s, size_t len, tl_sheet_range *out);

/* True for text that is one e-mail address (local@domain.tld, no spaces). */
bool tl_sheet_is_email(const char *s, size_t len);

/* The short name of a category ("integer", "date", ...). */
const char *tl_sheet_category_name(tl_sheet_category cat);

#endif
