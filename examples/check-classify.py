#!/usr/bin/env python3
"""Runs a classify example and checks what it prints against PyTorch's
predictions in examples/demo/expected.json ("base+adapter").

    check-classify.py EXPECTED_JSON N_ROWS -- program [args...]

The program must print one line per row, `row N  LABEL  p=P ...` (P the
probability of LABEL), for rows 0..N_ROWS-1, then `accuracy A on K rows`.
Each label must be PyTorch's argmax and each P within 1e-3 of its
probability; the accuracy must be that of PyTorch's predictions on those rows.
"""
import json
import re
import subprocess
import sys

TOLERANCE = 1e-3 + 5e-5  # the references' tolerance, plus printing to 4 decimals


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        sys.exit("usage: check-classify.py EXPECTED_JSON N_ROWS -- program [args...]")
    expected = json.load(open(argv[1], encoding="utf-8"))
    n_rows = int(argv[2])
    run = subprocess.run(argv[4:], capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        sys.exit(f"the example exited with status {run.returncode}")

    rows = [m.groups() for m in re.finditer(r"^row\s+(\d+)\s+(\S+)\s+p=([0-9.]+)", run.stdout, re.M)]
    errors = []
    if [int(r[0]) for r in rows] != list(range(n_rows)):
        errors.append(f"expected rows 0..{n_rows - 1}, got {[int(r[0]) for r in rows]}")
    correct = 0
    for row, label, p in rows:
        want = expected["rows"][int(row)]
        ref = want["base+adapter"]
        if label != ref["predicted"]:
            errors.append(f"row {row}: predicted {label}, PyTorch {ref['predicted']}")
        elif abs(float(p) - ref["prob"][label]) > TOLERANCE:
            errors.append(f"row {row}: p({label})={p}, PyTorch {ref['prob'][label]:.6f}")
        correct += ref["predicted"] == want["true"]
    m = re.search(r"^accuracy ([0-9.]+) on (\d+) rows$", run.stdout, re.M)
    want_acc = f"{correct / n_rows:.3f}" if n_rows else None
    if m is None:
        errors.append("no `accuracy A on K rows` line")
    elif (m.group(1), int(m.group(2))) != (want_acc, n_rows):
        errors.append(f"accuracy line `{m.group(0)}`, expected `accuracy {want_acc} on {n_rows} rows`")
    for e in errors:
        print("check-classify:", e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main(sys.argv)
