"""Reads a table and encodes it: Markdown of the first rows, a prompt per row
from a template, and the rows most relevant to a question.

    python3 examples/python/encode_table.py [file.csv]
"""
import sys

import tabllm

path = sys.argv[1] if len(sys.argv) > 1 else "examples/data/cities.csv"
with tabllm.Table.load(path) as table:
    print(f"{path}: {table.n_rows} rows, {table.n_columns} columns")
    for name in table.columns:
        print(f"  {name:<22} {table.column_kind(name).name.lower()}")
    print()
    print(table.encode("markdown", sampling="head", max_rows=3))
    print(table.encode("template", template="{city} ({country}) has {population_millions} million people.", row=1))
    print(table.encode("csv", question="Which cities are in India?", sampling="relevant", max_rows=2))

    records = table.to_records(typed=True)
    print("largest:", max(records, key=lambda r: r["population_millions"])["city"])
