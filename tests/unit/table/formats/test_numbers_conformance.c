/* Numbers against CPython and pandas, on references generate.sh writes:
 *   floats.tsv   hex, repr(x), format(x, "g") of ~11000 doubles
 *   xstrtod.tsv  a spelling and what pandas.read_csv makes of it
 * Exit 77 when the references are missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats_test.h"
#include "table/formats/pandas.h"
#include "table/formats/pynum.h"

static FILE *open_ref(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return fopen(path, "r");
}

static int check_floats(FILE *f)
{
    char line[512];
    int bad = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *hex = strtok(line, "\t"), *repr = strtok(NULL, "\t"), *g = strtok(NULL, "\t");
        if (!hex || !repr || !g)
            continue;
        double x = strtod(hex, NULL);
        char got[TL_PY_FLOAT_BUF], got_g[TL_PY_FLOAT_BUF];
        tl_py_float_repr(x, got);
        tl_py_float_g(x, got_g);
        n++;
        if (strcmp(got, repr) != 0 || strcmp(got_g, g) != 0) {
            if (bad++ < 10)
                fprintf(stderr, "%s: repr %s (want %s), g %s (want %s)\n", hex, got, repr, got_g,
                        g);
        }
    }
    printf("floats: %d of %d as CPython prints them\n", n - bad, n);
    return bad;
}

static int check_xstrtod(FILE *f)
{
    char line[512];
    int bad = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *word = strtok(line, "\t"), *want = strtok(NULL, "\t");
        if (!word || !want)
            continue;
        const char *name = "w";
        const char *cells[] = {word};
        tabllm_table *t = make_table(&name, 1, cells, 1);
        tl_pd_column info = tl_pd_infer_column(t, 0);
        char got[64];
        if (info.dtype == TL_PD_FLOAT64) {
            tl_pyval v = tl_pd_cell_value(tl_table_cell(t, 0, 0), &info);
            snprintf(got, sizeof got, "%a", v.v.f);
            /* compare values, not spellings of the hex */
            double w = strtod(want, NULL);
            if (strncmp(want, "int", 3) == 0 || strcmp(want, "object") == 0 ||
                memcmp(&w, &v.v.f, sizeof w) != 0) {
                if (bad++ < 10)
                    fprintf(stderr, "%s: got %s, pandas %s\n", word, got, want);
            }
        } else {
            const char *dt = info.dtype == TL_PD_INT64 ? "int64"
                             : info.dtype == TL_PD_OBJECT ? "object"
                             : info.dtype == TL_PD_UINT64 ? "uint64"
                                                          : "bool";
            if (strcmp(dt, want) != 0 && bad++ < 10)
                fprintf(stderr, "%s: got dtype %s, pandas %s\n", word, dt, want);
        }
        n++;
        tl_table_destroy(t);
    }
    printf("xstrtod: %d of %d as pandas reads them\n", n - bad, n);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    FILE *floats = open_ref(argv[1], "floats.tsv");
    FILE *xs = open_ref(argv[1], "xstrtod.tsv");
    if (floats == NULL || xs == NULL) {
        printf("SKIP: no references in %s (run tests/conformance/generate.sh)\n", argv[1]);
        return 77;
    }
    int bad = check_floats(floats) + check_xstrtod(xs);
    fclose(floats);
    fclose(xs);
    return bad ? 1 : 0;
}
