#!/usr/bin/python3
"""Reference cells for the table readers, from Python's csv module and pandas.

Writes DATA_DIR/tables/manifest.json: one case per input file with the cells
Python's csv module (CSV/TSV) or pandas.read_html (HTML) reads from it, the
text Python's csv.writer writes back, and the errors libtabllm must report
where the references refuse or differ by design. Inputs:
  - CSV shipped with pandas and scikit-learn, and every other CSV/TSV under
    /usr/share and Python's dist-packages (gzip files decompressed);
  - generated CSVs full of quotes, CR/LF, byte-order marks, ragged rows;
  - HTML pages shipped in /usr/share/doc that hold a <table>;
  - generated HTML tables with spans, sections, hidden cells, entities.
tests/unit/table/test_conformance.c compares libtabllm with these.
"""
import copy
import csv
import glob
import gzip
import io
import json
import os
import random
import re
import sys
import warnings

warnings.simplefilter("ignore")

from pandas.errors import EmptyDataError  # noqa: E402
from pandas.io.html import _data_to_frame, _LxmlFrameParser  # noqa: E402

MAX_FILE = 4 << 20
TABLES_PER_PAGE = 12  # tables compared per page (the count is always checked)

csv.field_size_limit(sys.maxsize)


# ---------------------------------------------------------------- CSV ----

def csv_expect(data, delimiter):
    """What libtabllm must read from CSV bytes, per Python's csv module."""
    if b"\0" in data:
        return {"error": "FORMAT", "message": "NUL byte"}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return {"error": "INVALID_UTF8", "message": "invalid UTF-8 at byte offset %d" % e.start}
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            return {"error": "FORMAT", "message": "unterminated quoted field"}
    records, starts = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    for row in reader:
        if row:  # Python yields [] for an empty line; libtabllm skips it
            records.append(row)
            starts.append(line + 1)
        line = reader.line_num
    if not records:
        return {"error": "FORMAT", "message": "no rows"}
    width = max(len(r) for r in records)
    padded = [r + [""] * (width - len(r)) for r in records]
    # Python's writer with its default "\r\n" terminator quotes fields with
    # CR or LF; libtabllm writes that quoting but ends records with "\n"
    # (with lineterminator="\n" Python 3.11 leaves a lone CR unquoted, which
    # its own reader then takes for a line break).
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    lines = []
    for row in padded:
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        lines.append(out.getvalue()[:-2] + "\n")
    expect = {"rows": padded, "csv_out": "".join(lines)}
    # the default reading (header, pandas' ragged policy): the first record
    # longer than the header is an error naming its line
    for r, start in zip(records[1:], starts[1:]):
        if len(r) > len(records[0]):
            expect["header_error_line"] = start
            break
    return expect


def system_csv_files():
    roots = ["/usr/lib/python3/dist-packages", "/usr/share"]
    found = set()
    for root in roots:
        for pattern in ("**/*.csv", "**/*.tsv", "**/*.csv.gz", "**/*.tsv.gz"):
            for path in glob.glob(os.path.join(root, pattern), recursive=True):
                if os.path.isfile(path) and os.path.getsize(path) <= MAX_FILE:
                    found.add(path)
    return sorted(found)


def csv_cases(work):
    cases = []
    for path in system_csv_files():
        data = open(path, "rb").read()
        name = path
        if path.endswith(".gz"):
            data = gzip.decompress(data)
            if len(data) > MAX_FILE:
                continue
            name = os.path.join(work, path.strip("/").replace("/", "_")[:-3])
            with open(name, "wb") as f:
                f.write(data)
        delimiter = "\t" if ".tsv" in path else ","
        case = {"kind": "csv", "path": name, "delimiter": delimiter, "origin": path}
        case.update(csv_expect(data, delimiter))
        cases.append(case)
    return cases


FIELD_PARTS = ["a", "bc", "1", "-2.5", "1e3", " ", "  x ", '"', '""', ",", ";", "\t", "|",
               "\n", "\r\n", "\r", "é", "日本", "😀", "TRUE", "", "nan", "x\"y"]


def nasty_field(rng, delimiter, clean):
    if clean:
        return rng.choice(["a", "bc", "1", "2.5", "x y", "é", "", "TRUE"])
    text = "".join(rng.choice(FIELD_PARTS) for _ in range(rng.randint(0, 4)))
    roll = rng.random()
    if roll < 0.45 or any(c in text for c in (delimiter, "\n", "\r")) or text.startswith('"'):
        quoted = '"' + text.replace('"', '""') + '"'
        if rng.random() < 0.05:  # text after the closing quote (Python keeps it)
            quoted += rng.choice(["x", ' "y"', "z\"w"])
        return quoted
    return text


def nasty_csv(rng, clean):
    delimiter = rng.choice([",", ";", "\t", "|"])
    endings = ["\n", "\r\n", "\r"] if not clean else [rng.choice(["\n", "\r\n"])]
    n_cols = rng.randint(1, 6)
    rows = []
    for r in range(rng.randint(1, 12)):
        width = n_cols
        if not clean and r > 0 and rng.random() < 0.2:
            width = max(1, n_cols + rng.choice([-2, -1, 1]))
        rows.append(delimiter.join(nasty_field(rng, delimiter, clean) for _ in range(width)))
    text = ""
    for row in rows:
        text += row + rng.choice(endings)
        if not clean and rng.random() < 0.1:
            text += rng.choice(endings)  # an empty line
    if rng.random() < 0.3:
        text = text.rstrip("\r\n")
    data = text.encode("utf-8")
    if rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    return data, delimiter


def generated_csv_cases(work):
    rng = random.Random(20240601)
    cases = []
    for i in range(300):
        clean = i % 4 == 0
        data, delimiter = nasty_csv(rng, clean)
        path = os.path.join(work, "gen_%03d.csv" % i)
        with open(path, "wb") as f:
            f.write(data)
        case = {"kind": "csv", "path": path, "delimiter": delimiter}
        case.update(csv_expect(data, delimiter))
        # sniffing is checked where the file leaves no doubt: no candidate
        # delimiter inside fields, every row as long as the first
        if clean and "rows" in case and len(case["rows"][0]) > 1:
            case["sniff"] = True
        cases.append(case)
    extra = {
        "unterminated": b'a,b\n1,"open\n2,3\n',
        "bad_utf8": b"a,b\n1,\xe9t\xe9\n",
        "surrogate": b"a\n\xed\xa0\x80\n",
        "nul": b"a,b\n1,\0\n",
        "ragged_long": b"a,b\n1,2\n\n3,4,5\n",
        "only_blank_lines": b"\r\n\n\r",
        "quote_junk": b'a,b\n"x"y,"1"2\n',
    }
    for name, data in extra.items():
        path = os.path.join(work, "gen_%s.csv" % name)
        with open(path, "wb") as f:
            f.write(data)
        case = {"kind": "csv", "path": path, "delimiter": ","}
        case.update(csv_expect(data, ","))
        cases.append(case)
    return cases


# --------------------------------------------------------------- HTML ----

READ_HTML_KWARGS = dict(header=None, index_col=None, skiprows=None, parse_dates=False,
                        thousands=",", decimal=".", converters=None, na_values=None,
                        keep_default_na=True)


def header_names(head, body, foot):
    """Column names by docs/tables.md's rule: read_html's header rows (the
    only one, or those with text), counted among the rows pandas' parser
    keeps (it skips a one-column row with no text), several joined with
    spaces. None when the table has no header rows."""
    rows = head + body + foot
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if not head:
        return None
    keep = [r for r in rows if width != 1 or r[0] != ""]
    levels = [0] if len(head) == 1 else [i for i, r in enumerate(head) if any(r)]
    names = []
    for c in range(width):
        parts = []
        for level in levels:
            t = keep[level][c]
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        names.append(" ".join(parts))
    return names


def pandas_names_agree(names, columns):
    """Whether pandas' column labels are `names` after its own decoration:
    "Unnamed: N" (and "_level_L") for empty names, ".N" on duplicates,
    tuples for several header rows."""
    if names is None:
        return list(columns) == list(range(len(columns)))
    if len(names) != len(columns):
        return False
    for name, col in zip(names, columns):
        if isinstance(col, tuple):
            parts = []
            for t in col:
                t = "" if re.fullmatch(r"Unnamed: \d+_level_\d+", str(t)) else str(t)
                if t and (not parts or parts[-1] != t):
                    parts.append(t)
            col = " ".join(parts)
            if col != name and not re.fullmatch(re.escape(name) + r"\.\d+", col):
                return False
        elif name == "":
            if not re.fullmatch(r"Unnamed: \d+(\.\d+)?", str(col)):
                return False
        elif str(col) != name and not re.fullmatch(re.escape(name) + r"\.\d+", str(col)):
            return False
    return True


def html_expect(data):
    if b"\0" in data:
        return {"error": "FORMAT", "message": "NUL byte"}
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return {"error": "INVALID_UTF8", "message": "invalid UTF-8 at byte offset %d" % e.start}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # bytes read as UTF-8 whatever the page declares, as libtabllm reads
    # them: read_html(io, encoding="utf-8")
    parser = _LxmlFrameParser(io.BytesIO(data), re.compile(".+"), None, "utf-8", True, None)
    try:
        doc = parser._build_doc()
        elements = parser._parse_tables(doc, parser.match, parser.attrs)
    except ValueError:
        return {"error": "NOT_FOUND", "message": "no table"}
    except Exception as e:  # lxml refusing the document
        return {"skip": "lxml: %s" % e}
    tables = []
    for element in elements:
        head, body, foot = parser._parse_thead_tbody_tfoot(element)
        # every cell as a string, no NA, no thousands: the frame holds
        # exactly the texts pandas kept, in the rows it kept
        kwargs = dict(READ_HTML_KWARGS, dtype=str, keep_default_na=False, na_values=[],
                      thousands=None)
        try:
            frame = _data_to_frame(data=copy.deepcopy((head, body, foot)), **kwargs)
        except EmptyDataError:
            continue  # read_html drops it
        except Exception as e:
            return {"skip": "pandas raises %s on table %d" % (type(e).__name__, len(tables))}
        names = header_names(head, body, foot)
        if not pandas_names_agree(names, frame.columns):
            return {"skip": "table %d: pandas names the columns %r" % (len(tables),
                                                                         list(frame.columns))}
        table = {"names": names, "rows": frame.values.tolist()}
        # nested tables stay apart in libtabllm; pandas mixes them into the
        # outer table, so only the count is compared for an outer table
        if element.xpath(".//table"):
            table = {"nested": True}
        tables.append(table)
    if len(tables) > TABLES_PER_PAGE:
        keep = set(range(TABLES_PER_PAGE // 2)) | set(
            range(len(tables) - TABLES_PER_PAGE // 2, len(tables)))
        tables = [t if i in keep else {"unchecked": True} for i, t in enumerate(tables)]
    return {"tables": tables}


def doc_html_files():
    found = []
    for path in sorted(glob.glob("/usr/share/doc/**/*.htm*", recursive=True)):
        if not os.path.isfile(path) or path.endswith(".gz") or os.path.getsize(path) > MAX_FILE:
            continue
        data = open(path, "rb").read()
        if b"<table" in data.lower():
            found.append(path)
    return found


def random_html_table(rng):
    def text():
        parts = ["a", "B c", " x ", "&amp;", "&lt;t&gt;", "&nbsp;", "1", "2.5", "\n", "  ",
                 "<br>", "<b>bold</b>", "<!-- c -->", "é", "<span style='display:none'>h</span>",
                 "\t", "<i> i </i>", ""]
        return "".join(rng.choice(parts) for _ in range(rng.randint(0, 4)))

    def row(cell_tags):
        cells = []
        for _ in range(rng.randint(0, 5)):
            tag = rng.choice(cell_tags)
            attrs = ""
            if rng.random() < 0.15:
                attrs += " colspan=%d" % rng.randint(0, 3)
            if rng.random() < 0.15:
                attrs += ' rowspan="%d"' % rng.randint(1, 3)
            if rng.random() < 0.03:
                attrs += " style='display: none'"
            cells.append("<%s%s>%s</%s>" % (tag, attrs, text(), tag))
        return "<tr>" + "".join(cells) + "</tr>"

    parts = ["<table>"]
    if rng.random() < 0.2:
        parts.append("<caption>cap</caption>")
    if rng.random() < 0.4:
        parts.append("<thead>" + "".join(row(["th", "th", "td"])
                                         for _ in range(rng.randint(1, 2))) + "</thead>")
    elif rng.random() < 0.5:
        parts.append(row(["th"]))
    body = "".join(row(["td", "td", "th"]) for _ in range(rng.randint(0, 5)))
    parts.append("<tbody>" + body + "</tbody>" if rng.random() < 0.5 else body)
    if rng.random() < 0.2:
        parts.append("<tfoot>" + row(["td"]) + "</tfoot>")
    parts.append("</table>")
    return "".join(parts)


def generated_html_cases(work):
    rng = random.Random(7)
    cases = []
    for i in range(150):
        body = "".join(random_html_table(rng) + rng.choice(["", "<p>between</p>", "\n"])
                       for _ in range(rng.randint(1, 4)))
        page = "<html><head><title>t</title></head><body>%s</body></html>" % body
        path = os.path.join(work, "gen_%03d.html" % i)
        data = page.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        case = {"kind": "html", "path": path}
        case.update(html_expect(data))
        cases.append(case)
    return cases


def main():
    data_dir = sys.argv[1]
    work = os.path.abspath(os.path.join(data_dir, "tables"))
    os.makedirs(work, exist_ok=True)
    cases = csv_cases(work) + generated_csv_cases(work) + generated_html_cases(work)
    for path in doc_html_files():
        case = {"kind": "html", "path": path}
        case.update(html_expect(open(path, "rb").read()))
        cases.append(case)
    with open(os.path.join(work, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False)
    n_csv = sum(1 for c in cases if c["kind"] == "csv")
    n_html = len(cases) - n_csv
    n_tables = sum(len(c.get("tables", [])) for c in cases)
    skipped = [c for c in cases if "skip" in c]
    print("tables: %d CSV files, %d HTML pages (%d tables; %d pages skipped)"
          % (n_csv, n_html, n_tables, len(skipped)))
    for c in skipped[:10]:
        print("  skipped %s: %s" % (c["path"], c["skip"]))


if __name__ == "__main__":
    main()
