"""The Python examples in examples/python run and print what they should."""
import os
import subprocess
import sys


def run_example(source_root, name, *args):
    env = dict(os.environ)
    r = subprocess.run([sys.executable, str(source_root / "examples" / "python" / name), *args],
                       capture_output=True, text=True, env=env, cwd=source_root)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_encode_table(source_root):
    out = run_example(source_root, "encode_table.py", str(source_root / "examples" / "data" / "cities.csv"))
    assert "12 rows, 6 columns" in out
    assert "| Tokyo | Japan | 13.96 | 2194 | true | 1457 |" in out
    assert "Delhi (India) has 16.79 million people." in out
    assert "Mumbai,India,12.44,603,false,1507" in out
    assert "largest: Shanghai" in out


def test_classify(source_root):
    # examples/check-classify.py runs the example on the demo's first 20 test
    # rows and compares each printed label, probability and the accuracy line
    # with PyTorch's base+adapter predictions (examples/demo/expected.json).
    demo = source_root / "examples" / "demo"
    r = subprocess.run([sys.executable, str(source_root / "examples" / "check-classify.py"),
                        str(demo / "expected.json"), "20", "--",
                        sys.executable, str(source_root / "examples" / "python" / "classify.py"),
                        str(demo), str(demo / "data" / "biopsy-test.csv"), "20"],
                       capture_output=True, text=True, env=dict(os.environ), cwd=source_root)
    assert r.returncode == 0, r.stdout + r.stderr
