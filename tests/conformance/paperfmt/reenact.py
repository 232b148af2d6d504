#!/usr/bin/python3
"""Goldens for the paper formats from the documented rules.

A re-enactment, written for libtabllm from the rules in
tests/data/paper-goldens/README.md and docs/table-formats.md: each pipeline
reads the CSV with pandas exactly as its authors do (pd.read_csv, or
dtype=str with keep_default_na=False), then serializes with the same library
calls (tabulate, DataFrame.to_html/to_latex, json, repr). The authors' code is
not used or copied. Run with Debian's python3 (pandas 1.5.3, tabulate 0.8.9):

    reenact.py INPUT_DIR OUTPUT_DIR

writes OUTPUT_DIR/golden/*.txt, OUTPUT_DIR/inputs/*.csv and OUTPUT_DIR/cases.json
(the `tabllm encode` arguments of each golden, or the error expected).
"""
import io
import json
import os
import random
import re
import shutil
import sys
import warnings

import numpy as np
import pandas as pd
import tabulate as tabulate_module
from tabulate import tabulate

warnings.simplefilter("ignore")
tabulate_module.WIDE_CHARS_MODE = False  # widths in code points, as without wcwidth
assert pd.__version__ == "1.5.3", pd.__version__

QA_SEP = "<|endinput|>"
END_PROMPT = "The answer is "

# ---- reading ---------------------------------------------------------------


def read_pandas(path):
    return pd.read_csv(path)


def read_text(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# ---- TabuLa-8B (rtfm) --------------------------------------------------------


def rtfm_row(df, i):
    """The record rtfm serializes: cast_columns_to_json_serializable on the
    one-row frame, to_dict(records), a JSON round trip."""
    one = df.iloc[[i]].copy()
    for c in one.columns:
        if one[c].dtype == object and not all(isinstance(x, str) for x in one[c]):
            one[c] = one[c].apply(lambda x: x if isinstance(x, str) else str(x))
    rec = one.to_dict(orient="records")[0]
    return json.loads(json.dumps(rec))


def preprocess(v):
    if isinstance(v, str):
        v = v.strip()
        if v.endswith("."):
            v = v[:-1]
    return v


def rtfm_prompt(kind, features, target, choices):
    prefix = ("Predict the %s" % target).strip()
    if not prefix.endswith(":"):
        prefix += ":"
    raw_suffix = "What is the value of %s?" % target
    suffix = raw_suffix.strip()
    if not raw_suffix.endswith("?"):
        suffix += "?"
    if kind in ("tabula", "tabula-v1"):
        if kind == "tabula":
            ch = ("||" + "||".join(choices) + "||") if choices else ""
        else:
            ch = " or ".join(choices)
        kv = " ".join("The %s is %s." % (k, preprocess(v)) for k, v in features.items()).strip()
        parts = ["", prefix, ch, kv, suffix, ch]
        return " ".join(x.strip() for x in parts if x).strip()
    if kind == "tabula-structured":
        ch = ("<|CHOICES|>" + "||".join(choices) + "<|/CHOICES|>") if choices else ""
        ex = "<|EXAMPLE|>" + "".join(
            "<|KEY|>%s<|/KEY|><|VALUE|>%s<|/VALUE|>" % (k, v) for k, v in features.items()
        ) + "<|/EXAMPLE|>"
        parts = ["<|PREFIX|>" + prefix + "<|/PREFIX|>", ch, ex,
                 "<|SUFFIX|>" + suffix + "<|/SUFFIX|>", ch]
        return "".join(x.strip() for x in parts if x).strip()
    d = {"prefix": prefix, "features": {k: {"value": preprocess(v)} for k, v in features.items()},
         "suffix": suffix}
    if kind == "tabula-json":
        if choices:
            d["choices"] = list(choices)
        return json.dumps(d)
    ch = " or ".join(choices)
    if ch:
        d["choices"] = ch
    if kind == "tabula-pdseries":
        return "pd.Series(%s)" % (d,)
    html = pd.Series(d).to_frame().to_html()
    if kind == "tabula-html-nows":
        html = re.sub(r">\s+<", "><", html)
    return html


def tabula(path, kind, target, labels, cells, row):
    df = read_pandas(path) if cells == "pandas" else read_text(path)
    records = []
    for i in range(len(df)):
        rec = rtfm_row(df, i) if cells == "pandas" else dict(df.iloc[i])
        records.append(rec)
    if labels is None:
        labels = []
        for rec in records:
            s = str(rec[target])
            if s not in labels:
                labels.append(s)
    out = []
    for i, rec in enumerate(records):
        if row is not None and i != row:
            continue
        rec = dict(rec)
        rec.pop(target)
        text = rtfm_prompt(kind, rec, target, labels) + QA_SEP
        out.append(text if row is not None else text + "\n")
    return "".join(out)


# ---- UniPredict --------------------------------------------------------------

PROMPT_HEAD = ("Below is the description of a dataset, an object profile from the dataset and a "
               "target description. Predict the target by the given information of the object.\n")


def unipredict_rows(samples):
    out = []
    cols = list(samples.columns)
    for values in samples.values.tolist():
        s = "".join("%s is %s; " % (cols[i].replace("_", " "), values[i]) for i in range(len(cols)))
        out.append(s[:-2] + ".\n")
    return out


def unipredict_labels(series):
    """Derived classes: numbers in set() order, text in first appearance,
    missing values last (one per cell of a float column, else one)."""
    values = series.tolist()
    present = [v for v in values if not (isinstance(v, float) and v != v)]
    n_nan = len(values) - len(present)
    if series.dtype == object and not all(isinstance(v, bool) for v in present):
        keys = []
        for v in present:
            if v not in keys:
                keys.append(v)
        n_nan = min(n_nan, 1)
    else:
        keys = list(set(present))
        if series.dtype == object:
            n_nan = min(n_nan, 1)
    keys += [float("nan")] * n_nan
    cls = "".join("class %d: xxx; " % i for i in range(len(keys)))
    stands = "".join('class %d stands for "%s"; ' % (i, k) for i, k in enumerate(keys))
    return cls + "where " + stands[:-2] + ".\n"


def unipredict(path, kind, target, cells, template, annotation, row):
    df = read_pandas(path) if cells == "pandas" else read_text(path)
    samples = df.drop(target, axis=1)
    if cells == "pandas":
        samples = samples.round(4)
    rows = unipredict_rows(samples)
    labels = unipredict_labels(df[target])
    if kind == "unipredict-rows":
        return "".join(rows if row is None else [rows[row]])
    if kind == "unipredict-labels":
        return labels
    if template == "prompt_input":
        t = (PROMPT_HEAD + "# Dataset description: {annotations}\n# Object description: {prompt}\n"
             "# You should return the probability of each class by: \n{labels}\n# Answer: \n")
    elif template == "without_metadata":
        t = ("Below is a dataset. Predict the target by the given information of the object.\n"
             "# Object description: {prompt}\n"
             "# You should return the probability of each class by: \n{labels}\n# Answer: \n")
    else:
        t = (PROMPT_HEAD + "# Dataset description: {annotations}\n# Object description: {prompt}\n"
             "# You should return your choice of class by stating the class number, {labels}\n"
             "# Answer: \n")
        labels = labels[labels.index("where"):]
    return t.format_map({"annotations": annotation, "prompt": rows[row], "labels": labels})


# ---- CABINET -----------------------------------------------------------------


def table_strings(path, cells):
    """header and rows as str, as the TableProvider/CABINET adapters hold them."""
    header = list(read_text(path).columns)
    if cells == "pandas":
        df = read_pandas(path)
        columns = [df.iloc[:, i].tolist() for i in range(df.shape[1])]
        rows = [[str(col[j]) for col in columns] for j in range(len(df))]
    else:
        rows = read_text(path).values.tolist()
    return header, rows


def cabinet(path, tapex, question, cells):
    header, rows = table_strings(path, cells)
    if not tapex:
        s = "[HEADER] " + " | ".join(header)
        for i, r in enumerate(rows):
            s += " [ROW] %d: " % i + " | ".join(r)
        return s
    d = {str(c).lower(): [str(rows[j][i]).lower() for j in range(len(rows))]
         for i, c in enumerate(header)}
    table = pd.DataFrame.from_dict(d)
    if table.empty:
        linear = ""
    else:
        s = "col : " + " | ".join(table.columns) + " "
        for i, (_, r) in enumerate(table.iterrows()):
            s += "row %d : " % (i + 1) + " | ".join(r.values) + " "
        linear = s.strip()
    q = question or ""
    joint = (q + (" " if q and linear else "") + linear) if q else linear
    return joint.lower()


# ---- Table Meets LLM (TableProvider) ------------------------------------------

GRAMMAR = {
    "markdown": ("<Markdown grammar>\n To add a table, use three or more hyphens (---) to create "
                 "each column\u2019s header, and use pipes (|) to separate each column, every cell "
                 "is separated by pipe \n"),
    "xml": ("<XML grammar>\n <?xml version='1.0' encoding='utf-8'?>\n<data>\n  <row>\n    "
            "<index>0</index>\n    <column_1>2</<column_1>>\n  </row>\n  <row>\n    "
            "<index>1</index>\n    <column_2>4</column_2>\n  </row>\n</data>"),
    "html": ("<HTML grammar>\n Each table cell is defined by a <td> and a </td> tag.\n Each table "
             "row starts with a <tr> and ends with a </tr> tag.\n th stands for table header.\n"),
    "json": ("<JSON grammer>\n JSON is built of a collection of name/value pairs. Each pair is "
             "key-value\n"),
    "latex": ("<Latex grammar>\n \x08egin{tabular} starts the table environment and the curly "
              "braces denote the alignment of the columns.\n |c|c|c| means that the table has "
              "three columns and each column is center-aligned.\n \\hline creates a horizontal "
              "line.\n The text in between the & symbols is the content of the cells.\n '\\' is "
              "used to end a row.\n \\end{tabular} ends the table environment.\n"),
    "nl_sep": "<Grammar>\n Each table cell is separated by | , the column idx starts from 0, .\n",
}
GRAMMAR["markdown_grid"] = GRAMMAR["markdown"] + (
    "Grid is like tables formatted by Emacs' table.el package. It corresponds to grid_tables in "
    "Pandoc Markdown extensions\n")


class ShapeError(Exception):
    pass


def knowledge(title, context, caption, marks):
    if marks:
        return ("<title>\n" + title + "\n<context>\n" + context + "\n<caption>\n" + caption + "\n")
    return title + "\n" + context + "\n" + caption + "\n"


def transposed(header, rows):
    if len(rows) != len(header):
        raise ShapeError("square")
    return [[rows[j][i] for j in range(len(rows))] for i in range(len(header))]


def tp(path, fmt, marks, grammar, colmajor, title, context, caption, cells):
    header, rows = table_strings(path, cells)
    if fmt == "json":
        d = {"title": title, "context": context,
             "table": {"header": header, "rows": rows, "caption": caption}}
        return (GRAMMAR["json"] if grammar else "") + str(d)
    g = GRAMMAR[fmt] if grammar else ""
    if fmt == "html":
        if not rows:
            raise ShapeError("no rows")
        if marks:
            k = ("<title>\n" + title) if title != "" else ""
            k += ("\n<context>\n" + context) if context != "" else ""
            k += ("\n<caption>\n" + caption) if caption != "" else ""
            if k != "":
                k += "\n"
        else:
            k = knowledge(title, context, caption, False)
        k += "\nThe table has %d rows and %d columns \n" % (len(rows), len(rows[0]))
        data = transposed(header, rows) if colmajor else rows
        use_header = not (len(header) == 1 and header[0] == "")
        html = pd.DataFrame(data, columns=header).to_html(header=use_header)
        return k + g + html + "\n" + END_PROMPT
    k = knowledge(title, context, caption, marks)
    if fmt == "markdown":
        data = transposed(header, rows) if colmajor else rows
        body = tabulate(pd.DataFrame(data, columns=header), tablefmt="pipe", showindex=True)
    elif fmt == "markdown_grid":
        if colmajor:
            if not rows:
                raise ShapeError("without rows")
            body = tabulate(pd.DataFrame(np.array(rows, dtype=object).T, index=header),
                            tablefmt="pipe", showindex=True)
        else:
            body = tabulate(pd.DataFrame(rows), headers=header, tablefmt="grid", showindex=True)
    elif fmt == "xml":
        names = ["_".join(h.split()) for h in header]
        data = transposed(header, rows) if colmajor else rows
        items = []
        for r in data:
            items.append("<item>\n" + "\n".join('  <field name="%s">%s</field>' % (n, v)
                                                 for n, v in zip(names, r)) + "\n</item>")
        body = "\n".join(items)
    elif fmt == "latex":
        data = transposed(header, rows) if colmajor else rows
        if not data:
            raise ShapeError("Empty DataFrame")
        body = pd.DataFrame(data, columns=header).to_latex()
    elif fmt == "nl_sep":
        if colmajor:
            body = "".join(header[i] + "|".join(r[i] for r in rows) + "\n"
                           for i in range(len(header)) if rows)
        else:
            body = "|".join(header) + "\n" + "".join("|".join(r) + "\n" for r in rows)
    return k + g + body + "\n" + END_PROMPT


# ---- the cases ---------------------------------------------------------------

# Per CSV: the target, explicit labels (None: derived), a question.
TABLES = {
    "na_spellings.csv": ("id", None, "Which id has a null?"),
    "int_with_na.csv": ("label", ["a", "b", "c"], "What is x for id 2?"),
    "floats.csv": ("id", ["1", "2", "3", "4"], "Largest f?"),
    "headers_dup.csv": ("b", None, "What is a.1?"),
    "bom_unicode.csv": ("greek", None, "Where is Jos\u00e9?"),
    "quotes.csv": ("id", ["1", "2", "3", "4"], "Who said hi?"),
    "mixed.csv": ("id", None, "Which v is hex?"),
    "bools.csv": ("b1", ["True", "False"], "Is b2 true?"),
    "uint64.csv": ("id", None, "Biggest u?"),
    "latex_special.csv": ("id", None, "What costs $5?"),
    "html_special.csv": ("c", None, "Is 1 < 2?"),
    "square.csv": ("z", ["a", "b", "c"], "What is y when x is 3?"),
    "whitespace.csv": ("label", ["a", "q"], "Is the sky falling?"),
    "numeric_target.csv": ("k", None, "Which k has v 3?"),
    "no_rows.csv": ("a", ["x"], "Anything?"),
    "ragged.csv": ("c", None, "What is b?"),
    "random_numbers.csv": ("id", None, "Which?"),
}


def random_numbers_csv(path):
    """Number spellings drawn at random (seeded): pandas' own float parser,
    repr, tabulate's %g and decimal alignment all get exercised."""
    rng = random.Random(20240611)
    lines = ["id,dec,sci,big,short,repr17"]
    for i in range(60):
        dec = "%s%d.%0*d" % (rng.choice(["", "-"]), rng.randint(0, 10 ** rng.randint(1, 9)),
                             rng.randint(1, 12), rng.randint(0, 10 ** 12))
        sci = "%d.%de%s%d" % (rng.randint(1, 9), rng.randint(0, 10 ** 8), rng.choice(["", "-", "+"]),
                              rng.randint(0, 320))
        big = str(rng.randint(0, 10 ** rng.randint(15, 22)))
        short = rng.choice(["0.1", "0.2", "0.3", "2.675", "1.005", "9.995", "1e-7", "123.0",
                            "7", "0.5", "100", "3.0e2", ".25", "5."])
        x = rng.uniform(-1e6, 1e6) * (10 ** rng.randint(-30, 30))
        lines.append("%d,%s,%s,%s,%s,%.17g" % (i, dec, sci, big, short, x))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def number_references(out):
    """floats.tsv: hex, repr() and format(x, "g") of random doubles (every
    binade, subnormals, powers of two and their neighbours). xstrtod.tsv: a
    number spelling and the float64 pandas.read_csv makes of it (hex)."""
    rng = random.Random(7)
    xs = [0.1 + 0.2, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e16, 1e-5, 1e22]
    for e in range(-1074, 1024, 3):
        p = 2.0 ** e
        xs += [p, np.nextafter(p, 0.0), np.nextafter(p, np.inf)]
    for _ in range(6000):
        bits = rng.getrandbits(64)
        x = float(np.frombuffer(bits.to_bytes(8, "little"), dtype="<f8")[0])
        if x == x and abs(x) != float("inf"):
            xs.append(x)
    for _ in range(3000):
        xs.append(round(rng.uniform(-1e4, 1e4), rng.randint(0, 6)))
    with open(os.path.join(out, "floats.tsv"), "w") as f:
        for x in xs:
            f.write("%s\t%r\t%s\n" % (float(x).hex(), float(x), format(float(x), "g")))
    words = []
    for _ in range(4000):
        mant = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
        pos = rng.randint(0, len(mant))
        word = mant[:pos] + "." + mant[pos:] if rng.random() < 0.8 else mant
        if rng.random() < 0.5:
            word += rng.choice("eE") + rng.choice(["", "-", "+"]) + str(rng.randint(0, 330))
        words.append(rng.choice(["", "-", "+"]) + word)
    # one row, one column per spelling: read_csv infers each column alone
    header = ",".join("c%d" % i for i in range(len(words)))
    df = pd.read_csv(io.StringIO(header + "\n" + ",".join(words) + "\n"))
    with open(os.path.join(out, "xstrtod.tsv"), "w") as f:
        for i, w in enumerate(words):
            col = df["c%d" % i]
            if col.dtype == np.float64:
                f.write("%s\t%s\n" % (w, float(col[0]).hex()))
            else:
                f.write("%s\t%s\n" % (w, col.dtype))


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, "golden"), exist_ok=True)
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)
    for name in TABLES:
        dst = os.path.join(out, "inputs", name)
        if name == "random_numbers.csv":
            random_numbers_csv(dst)
        else:
            shutil.copyfile(os.path.join(src, name), dst)
    cases = []

    def add(name, args, fn):
        stem = os.path.splitext(name)[0]
        fname = "%s.%04d.txt" % (stem, len(cases))
        case = {"name": fname, "input": "inputs/" + name, "args": args}
        try:
            text = fn()
            with open(os.path.join(out, "golden", fname), "w", encoding="utf-8", newline="") as f:
                f.write(text)
            case["golden"] = "golden/" + fname
        except ShapeError as e:
            case["golden"] = None
            case["error"] = str(e)
        except ValueError as e:  # tabulate: float("True")
            case["golden"] = None
            case["error"] = "ValueError on it"
        cases.append(case)

    for name, (target, labels, question) in TABLES.items():
        path = os.path.join(out, "inputs", name)
        n_rows = len(read_text(path))
        label_args = ["--labels", ",".join(labels)] if labels else []
        for cells in ("pandas", "verbatim"):
            for kind in ("tabula", "tabula-v1", "tabula-structured", "tabula-json",
                         "tabula-pdseries", "tabula-html-nows"):
                add(name, ["--format", kind, "--target", target, "--cells", cells] + label_args,
                    lambda k=kind, c=cells: tabula(path, k, target, labels, c, None))
            for r in range(min(n_rows, 2)):
                add(name, ["--format", "tabula-html", "--target", target, "--cells", cells,
                           "--row", str(r)] + label_args,
                    lambda c=cells, r=r: tabula(path, "tabula-html", target, labels, c, r))
            for kind in ("unipredict-rows", "unipredict-labels"):
                add(name, ["--format", kind, "--target", target, "--cells", cells],
                    lambda k=kind, c=cells: unipredict(path, k, target, c, None, None, None))
            for tmpl in ("prompt_input", "without_metadata", "TabLLM"):
                for r in range(min(n_rows, 2)):
                    add(name, ["--format", "unipredict", "--target", target, "--cells", cells,
                               "--annotation", "Rows of %s." % name, "--template", tmpl,
                               "--row", str(r)],
                        lambda c=cells, t=tmpl, r=r: unipredict(path, "unipredict", target, c, t,
                                                                "Rows of %s." % name, r))
            add(name, ["--format", "cabinet", "--cells", cells],
                lambda c=cells: cabinet(path, False, None, c))
            add(name, ["--format", "cabinet", "--tapex", "--question", question, "--cells", cells],
                lambda c=cells: cabinet(path, True, question, c))
            for fmt in ("markdown", "markdown_grid", "xml", "html", "json", "latex", "nl_sep"):
                for marks, grammar in ((False, False), (True, True)):
                    for colmajor in (False, True):
                        args = ["--format", "tp-" + fmt.replace("_", "-"), "--cells", cells]
                        args += ["--marks"] if marks else []
                        args += ["--grammar"] if grammar else []
                        args += ["--column-major"] if colmajor else []
                        args += ["--title", "T: " + name, "--context", "", "--caption", "Cap"]
                        add(name, args,
                            lambda f=fmt, m=marks, g=grammar, cm=colmajor, c=cells:
                            tp(path, f, m, g, cm, "T: " + name, "", "Cap", c))
    number_references(out)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("%d cases, %d goldens" % (len(cases), sum(1 for c in cases if c["golden"])))


if __name__ == "__main__":
    main()
