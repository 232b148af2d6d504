"""Classifies the rows of a CSV with the demo model and its LoRA adapter:
each row becomes a TabuLa-8B prompt and each label is scored by its
log-probability after it (tabllm.predict).

    python3 examples/python/classify.py [DEMO_DIR [CSV [N_ROWS]]]
"""
import sys

import tabllm

demo = sys.argv[1] if len(sys.argv) > 1 else "examples/demo"
csv = sys.argv[2] if len(sys.argv) > 2 else f"{demo}/data/biopsy-test.csv"
n_rows = int(sys.argv[3]) if len(sys.argv) > 3 else None

with tabllm.Model.load(f"{demo}/model") as model, tabllm.Tokenizer.load(f"{demo}/model") as tok, \
        tabllm.Table.load(csv) as table, tabllm.Adapter.load(model, f"{demo}/adapter-biopsy") as adapter:
    result = tabllm.predict(model, tok, table, target="class", labels=["benign", "malignant"],
                            rows=range(min(n_rows or len(table), len(table))), adapters=[adapter], n_threads=2)
    for row, label, p in zip(result.table_rows, result.predicted(), result.probs()):
        print(f"row {row:3d}  {label:<9}  p={p.max():.4f}  (true: {table[row, 'class']})")
    print(f"accuracy {result.accuracy():.3f} on {len(result)} rows")
