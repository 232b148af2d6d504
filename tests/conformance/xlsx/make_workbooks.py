#!/usr/bin/python3
"""Writes the XLSX agreement tests' workbooks with openpyxl, and for them and
for the committed fixtures (tests/data/xlsx/*.xlsx) what openpyxl reads back
(data_only=True): every non-empty cell's value, type and number format, the
merged ranges and the date system, as JSON next to each workbook.

usage: make_workbooks.py OUT_DIR FIXTURE_DIR"""
import datetime as dt
import glob
import json
import os
import random
import shutil
import sys

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

out_dir, fixture_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)

FORMATS = [
    "General", "0", "0.00", "#,##0", "#,##0.00", "0%", "0.00%", "0.00E+00", "##0.0E+0",
    "# ?/?", "# ??/??", '"$"#,##0.00_);("$"#,##0.00)', '"$"#,##0_);[Red]("$"#,##0)',
    "#,##0_);(#,##0)", "[$€-407]#,##0.00", "#,##0.00 [$€-407]", "0.000", "#.##", "000000",
    '0" kg"', "#,##0,", "0.0,,", "[>=1000]#,##0;[<1000]0.0", "0;-0;\"zero\"", "@",
    "_(* #,##0.00_);_(* \\(#,##0.00\\);_(* \"-\"??_);_(@_)",
]
DATE_FORMATS = [
    "yyyy-mm-dd", "mm-dd-yy", "d-mmm-yy", "d-mmm", "mmm-yy", "dd/mm/yyyy", "dddd, mmmm d, yyyy",
    "m/d/yy h:mm", "yyyy-mm-dd hh:mm:ss", "h:mm AM/PM", "h:mm:ss AM/PM", "h:mm", "h:mm:ss",
    "mm:ss", "[h]:mm:ss", "mmss.0", "hh:mm:ss.000", "mmmm yyyy", "yy", "ddd",
]


def numbers(wb):
    ws = wb.active
    ws.title = "Numbers"
    rng = random.Random(7)
    values = [0, 1, -1, 7, 42, 1234.5678, -1234.5678, 0.5, 0.125, 2.675, 1e-7, 123456789012,
              9.99999, 0.30000000000000004, 1e20, -0.001, 3.14159265358979, 100, 99.5, 1048576]
    values += [round(rng.uniform(-1e6, 1e6), rng.randint(0, 6)) for _ in range(20)]
    ws.cell(row=1, column=1, value="value")
    for j, fmt in enumerate(FORMATS, start=2):
        ws.cell(row=1, column=j, value=fmt)
    for i, v in enumerate(values, start=2):
        ws.cell(row=i, column=1, value=v)
        for j, fmt in enumerate(FORMATS, start=2):
            c = ws.cell(row=i, column=j, value=v)
            c.number_format = fmt
    # A built-in whose code openpyxl stores without its ';' (id 44).
    c = ws.cell(row=len(values) + 3, column=1, value=5)
    c.number_format = openpyxl.styles.numbers.BUILTIN_FORMATS[44]


def dates(wb, epoch_name):
    ws = wb.active
    ws.title = "Dates " + epoch_name
    base = [dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 29, 13, 45, 30),
            dt.datetime(1999, 12, 31, 23, 59, 59), dt.datetime(2000, 2, 29, 0, 0, 1),
            dt.datetime(1970, 1, 1, 12, 0), dt.datetime(9999, 12, 31, 23, 59),
            dt.datetime(2023, 7, 4, 6, 30, 15, 250000), dt.datetime(1904, 1, 2),
            dt.datetime(1900, 3, 1), dt.datetime(1900, 3, 2, 18, 0)]
    if epoch_name == "1900":
        base += [dt.datetime(1900, 1, 1), dt.datetime(1900, 1, 31), dt.datetime(1900, 2, 27)]
    times = [dt.time(0, 0), dt.time(6, 30), dt.time(12, 0, 1), dt.time(23, 59, 59),
             dt.time(13, 5, 7, 250000)]
    deltas = [dt.timedelta(hours=36), dt.timedelta(minutes=90, seconds=5), dt.timedelta(days=3, hours=1)]
    ws.cell(row=1, column=1, value="value")
    for j, fmt in enumerate(DATE_FORMATS, start=2):
        ws.cell(row=1, column=j, value=fmt)
    row = 2
    for v in base + times + deltas:
        for j, fmt in enumerate(["General"] + DATE_FORMATS, start=1):
            c = ws.cell(row=row, column=j, value=v)
            if fmt != "General" or j > 1:
                c.number_format = fmt
        row += 1


def layout(wb):
    ws = wb.active
    ws.title = "Layout"
    ws["B2"] = "Quarterly report"
    ws.merge_cells("B2:E2")
    ws["B4"], ws["C4"], ws["D4"], ws["E4"] = "Region", "Q1", "Q2", "Total"
    rows = [("North", 10, 12), ("South", 7, 9), ("East", 11, 4)]
    for i, (name, a, b) in enumerate(rows, start=5):
        ws.cell(row=i, column=2, value=name)
        ws.cell(row=i, column=3, value=a)
        ws.cell(row=i, column=4, value=b)
        ws.cell(row=i, column=5, value=a + b)
    ws["B10"] = "Notes"
    ws.merge_cells("B11:C12")
    ws["B11"] = "merged block"
    ws["G15"] = True
    ws["H15"] = False
    ws["G16"] = "#N/A"
    ws["H16"] = "#DIV/0!"
    ws["G17"] = "  padded text  "
    ws["H17"] = "Ünïcödé ✓ 数据"
    ws["G18"] = "a|b,c\"d"
    ws["H18"] = "x@example.com"
    second = wb.create_sheet("Second sheet")
    second["A1"] = "only"
    second["C3"] = 3
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["A1"] = 1


def iso(wb):
    wb.iso_dates = True
    ws = wb.active
    ws.title = "ISO dates"
    ws["A1"] = "when"
    for i, v in enumerate([dt.datetime(2024, 1, 1, 8, 0), dt.datetime(1999, 12, 31),
                           dt.datetime(2020, 2, 29, 23, 59, 59)], start=2):
        c = ws.cell(row=i, column=1, value=v)
        c.number_format = "yyyy-mm-dd hh:mm:ss"


def build(name, fill, epoch=None):
    wb = openpyxl.Workbook()
    if epoch is not None:
        wb.epoch = epoch
    fill(wb)
    path = os.path.join(out_dir, name + ".xlsx")
    wb.save(path)
    return path


def jsonable(v):
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, (int, float)):
        return {"number": float(v)}
    if isinstance(v, dt.datetime):
        return {"datetime": [v.year, v.month, v.day, v.hour, v.minute, v.second,
                             v.microsecond // 1000]}
    if isinstance(v, dt.date):
        return {"datetime": [v.year, v.month, v.day, 0, 0, 0, 0]}
    if isinstance(v, dt.time):
        return {"time": [v.hour, v.minute, v.second, v.microsecond // 1000]}
    if isinstance(v, dt.timedelta):
        return {"seconds": v.total_seconds()}
    return {"string": str(v)}


def dump(path):
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {"date1904": wb.epoch == CALENDAR_MAC_1904, "sheets": []}
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None or c.value == "":
                    continue
                entry = {"ref": c.coordinate, "type": c.data_type, "format": c.number_format}
                entry.update(jsonable(c.value))
                cells.append(entry)
        out["sheets"].append({"name": ws.title, "cells": cells,
                              "merged": sorted(str(r) for r in ws.merged_cells.ranges)})
    with open(path[:-5] + ".json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)


paths = [build("numbers", numbers), build("dates1900", lambda wb: dates(wb, "1900")),
         build("dates1904", lambda wb: dates(wb, "1904"), CALENDAR_MAC_1904),
         build("layout", layout), build("isodates", iso)]
for fixture in sorted(glob.glob(os.path.join(fixture_dir, "*.xlsx"))):
    target = os.path.join(out_dir, "fixture-" + os.path.basename(fixture))
    shutil.copyfile(fixture, target)
    paths.append(target)
for p in paths:
    dump(p)
with open(os.path.join(out_dir, "workbooks.txt"), "w") as f:
    f.write("\n".join(os.path.basename(p)[:-5] for p in paths) + "\n")
print(f"xlsx: {len(paths)} workbooks with openpyxl {openpyxl.__version__}'s reading")
