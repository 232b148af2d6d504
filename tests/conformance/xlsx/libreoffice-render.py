#!/usr/bin/python3
"""Compares what libtabllm displays for every cell of the agreement tests'
workbooks (xlsx_dump) with what LibreOffice displays (CSV export "as
shown"), an outside implementation of the same number formats.

Known, documented differences are allowed (docs/spreadsheets.md):
 - padding: libtabllm trims the spaces _) and ? add around numbers;
 - LibreOffice has no 29 February 1900, so 1900-system dates before 1 March
   1900 are one day off there, and times of day show as 1899-12-30 (Excel:
   1900-01-00);
 - Excel's (and libtabllm's) General switches to 1.23457E+11 at 12 digits,
   LibreOffice prints all digits; "#.##" keeps a trailing "." in Excel; Excel
   keeps the sign of a negative that rounds to zero ("-0.0"); LibreOffice
   writes General exponents with three digits (1E+020); dates before
   the epoch (negative serials) show as ##### in Excel, as numbers here;
 - LibreOffice prints #FMT where it cannot render a value.
Needs soffice; exits 77 (skip) without it.
usage: libreoffice-render.py XLSX_DUMP DATA_DIR"""
import csv, glob, io, os, re, shutil, subprocess, sys, tempfile

soffice = shutil.which("soffice") or shutil.which("libreoffice")
if not soffice:
    print("libreoffice-render: soffice not installed, skipping")
    sys.exit(77)
dump, data = sys.argv[1], sys.argv[2]
books = sorted(glob.glob(os.path.join(data, "xlsx", "*.xlsx")))
if not books:
    print("libreoffice-render: no workbooks; run tests/conformance/generate.sh")
    sys.exit(77)


def allowed(lo, mine, before_epoch):
    lo, mine = lo.strip(), mine.strip()
    if lo == mine or lo == "#FMT":
        return True
    if before_epoch and re.fullmatch(r"-\d+(\.\d+)?", mine):
        return True  # a date before the epoch: Excel shows ####, libtabllm the number
    if re.sub(r"E([+-])0(\d\d)", r"E\1\2", lo) == mine:
        return True  # LibreOffice writes General exponents with three digits
    if re.fullmatch(r"-?\d{12,}", lo) and "E+" in mine:
        return True  # Excel's General goes scientific at 12 digits
    if "E" in mine and "E" in lo:
        try:
            return float(lo) == float(mine)  # General: digits LibreOffice pads with zeros
        except ValueError:
            pass
    if not re.search(r"[1-9]", lo) and mine.startswith("-"):
        mine = mine[1:]  # Excel keeps the sign of a negative that shows as zero
    if mine.endswith(".") and not lo.endswith("."):
        mine = mine[:-1]  # "#.##" keeps its point in Excel
    return lo == mine


total = bad = 0
with tempfile.TemporaryDirectory() as tmp:
    for book in books:
        name = os.path.basename(book)[:-5]
        if name == "fixture-handmade-prefixed":
            continue  # LibreOffice misreads prefixed SpreadsheetML (x:c); openpyxl agrees with us
        subprocess.run([soffice, "--headless", "-env:UserInstallation=file://" + tmp + "/lo",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
                        "--outdir", tmp, book], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        lo = list(csv.reader(open(os.path.join(tmp, name + ".csv"), encoding="utf-8")))
        out = subprocess.run([dump, book], check=True, capture_output=True, text=True).stdout
        mine = list(csv.reader(io.StringIO(out)))
        early = name == "dates1900"  # rows holding dates before 1900-03-01
        for r in range(max(len(lo), len(mine))):
            a = lo[r] if r < len(lo) else []
            b = mine[r] if r < len(mine) else []
            if early and len(a) > 1 and re.match(r"1899|1900-0[12]", a[1]):
                continue  # column B is yyyy-mm-dd: a date (or time) before 1900-03-01
            for c in range(max(len(a), len(b))):
                x = a[c] if c < len(a) else ""
                y = b[c] if c < len(b) else ""
                total += 1
                if not allowed(x, y, name == "dates1904"):
                    bad += 1
                    if bad <= 30:
                        print(f"{name} R{r + 1}C{c + 1}: LibreOffice [{x}], libtabllm [{y}]")
print(f"libreoffice-render: {total - bad} of {total} cells agree")
sys.exit(1 if bad else 0)
