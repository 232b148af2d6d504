/* Reading a sheet of an .xlsx workbook into a tabllm_table.
 *
 * The table holds the sheet's used range (computed from the cells that hold
 * values, and merged ranges; the declared <dimension> is only checked): the
 * first row is the header unless TABLLM_READ_NO_HEADER, empty rows and
 * columns inside the range are kept, and each cell's text is what the sheet
 * displays under its number format. Cell types come from the stored value
 * (a number is INT or FLOAT whatever its format; a string is TEXT even when
 * it looks numeric). table->sheet carries addresses, raw values, number
 * formats and categories, and merged ranges (table/sheet.h). */
#ifndef TL_TABLE_XLSX_XLSX_H
#define TL_TABLE_XLSX_XLSX_H

#include "table/table.h"
#include "table/xlsx/zip.h"

/* Reads the sheet chosen by params->sheet_name / sheet_index. The bytes
 * need to live only during the call. Errors name the part and line. */
tabllm_status tl_xlsx_read(const void *data, size_t size, const tabllm_table_read_params *params,
                           tabllm_table **out);

/* The same with explicit zip/XML limits (tests, fuzzing). */
tabllm_status tl_xlsx_read_ex(const void *data, size_t size,
                              const tabllm_table_read_params *params,
                              const tl_xlsx_limits *limits, tabllm_table **out);

/* The workbook's sheet names in order, as one allocation: an array of
 * `*n` pointers followed by the strings (free the array with tl_free). */
tabllm_status tl_xlsx_sheet_names(const void *data, size_t size, const tl_xlsx_limits *limits,
                                  char ***names, size_t *n);

#endif
