/* Python's and NumPy's number formatting and parsing, bit for bit.
 *
 * The papers' pipelines print floats with str() (shortest round-trip repr),
 * tabulate re-formats numeric-looking strings with format(float(s), "g"), and
 * UniPredict rounds with DataFrame.round(4). These are their C equivalents. */
#ifndef TL_TABLE_FORMATS_PYNUM_H
#define TL_TABLE_FORMATS_PYNUM_H

#include <stdbool.h>
#include <stddef.h>

/* Large enough for any repr() or "g" of a double. */
#define TL_PY_FLOAT_BUF 40

/* repr(x) == str(x) of a Python float: the shortest digits that read back
 * as x; fixed notation for 1e-4 <= |x| < 1e16 (with ".0" when integral),
 * else "1e+16" style; "nan", "inf", "-inf". Returns the length. */
size_t tl_py_float_repr(double x, char out[TL_PY_FLOAT_BUF]);

/* format(x, "g"): six significant digits, trailing zeros dropped. */
size_t tl_py_float_g(double x, char out[TL_PY_FLOAT_BUF]);

/* float(s) for a str: surrounding whitespace, underscores between digits,
 * "inf"/"infinity"/"nan" with a sign, any Unicode decimal digits. Returns 1
 * and the value, 0 when Python would raise ValueError, -1 when out of memory
 * (error set). */
int tl_py_parse_float(const char *s, size_t len, double *out);

/* Whether int(s) accepts the str (base 10, at most 4300 digits as CPython
 * 3.11 allows). */
bool tl_py_is_int(const char *s, size_t len);

/* numpy.round(x, decimals) for float64: rint(x * 10**d) / 10**d (0 <= d <= 22). */
double tl_np_round(double x, int decimals);

#endif
