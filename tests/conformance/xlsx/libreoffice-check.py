#!/usr/bin/python3
"""Checks tests/data/xlsx/numfmt_cases.tsv (what libtabllm must show for a
value under a number format) against LibreOffice's rendering, an outside
implementation: each case becomes a cell in a workbook written by openpyxl,
LibreOffice converts it to CSV "as shown", and the texts must agree.

Cases marked 'excel-only' are skipped (LibreOffice has no 29 February
1900); 'lo=TEXT' gives what LibreOffice shows where it differs from Excel. Needs `soffice`
(libreoffice-calc-nogui); exits 77 (skip) without it.
usage: libreoffice-check.py CASES.tsv"""
import csv, os, shutil, subprocess, sys, tempfile

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

soffice = shutil.which("soffice") or shutil.which("libreoffice")
if not soffice:
    print("libreoffice-check: soffice not installed, skipping")
    sys.exit(77)

cases = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) > 5 and fields[5] == "excel-only":
            continue
        if len(fields) > 5 and fields[5].startswith("lo="):
            fields[4] = fields[5][3:]  # LibreOffice differs from Excel here, knowingly
        cases.append(fields[:5])

failures = 0
with tempfile.TemporaryDirectory() as tmp:
    for system in ("1900", "1904"):
        rows = [c for c in cases if c[0] == system]
        wb = openpyxl.Workbook()
        if system == "1904":
            wb.epoch = CALENDAR_MAC_1904
        ws = wb.active
        for i, (_, kind, value, fmt, _) in enumerate(rows, start=1):
            cell = ws.cell(row=i, column=1, value=float(value) if kind == "n" else value)
            cell.number_format = fmt
        path = os.path.join(tmp, f"cases{system}.xlsx")
        wb.save(path)
        # Filter options: comma, double quote, UTF-8, from line 1, ..., and
        # the 9th token: save cell contents as shown.
        subprocess.run([soffice, "--headless", "-env:UserInstallation=file://" + tmp + "/lo",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
                        "--outdir", tmp, path], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(os.path.join(tmp, f"cases{system}.csv"), encoding="utf-8") as f:
            shown = [r[0] if r else "" for r in csv.reader(f)]
        for (sys_, kind, value, fmt, expected), got in zip(rows, shown):
            if got.strip() != expected:
                print(f"{system} {value!r} [{fmt}]: LibreOffice shows {got!r}, the table says {expected!r}")
                failures += 1
print(f"libreoffice-check: {len(cases) - failures} agree, {failures} differ")
sys.exit(1 if failures else 0)
