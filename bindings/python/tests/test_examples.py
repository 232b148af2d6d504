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
