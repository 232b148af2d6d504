"""INT8 (Q8_0) quantization loss on a benchmark model: the mean KL divergence
KL(p_f32 || p_int8) of the next-token distributions over a fixed sequence
of token ids, and top-1 agreement, through the prefill path (one batch) and
the decode path (--step: one token at a time, int8 x int8 products).

usage: int8_kl.py TABLLM_CLI MODEL_DIR [N_TOKENS] -> one JSON line"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def logits(cli, model, ids, fmt, step, tmp):
    out = os.path.join(tmp, f"{fmt}{'-step' if step else ''}.npy")
    cmd = [cli, "logits", "--model", model, "--ids", ",".join(map(str, ids)), "--all",
           "--weights", fmt, "--threads", "2", "--out", out] + (["--step"] if step else [])
    subprocess.run(cmd, check=True)
    return np.load(out).astype(np.float64)


def log_softmax(x):
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def main():
    cli, model = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    vocab = json.load(open(os.path.join(model, "config.json")))["vocab_size"]
    ids = np.random.default_rng(1234).integers(0, vocab, n).tolist()  # the fixed "text"
    with tempfile.TemporaryDirectory() as tmp:
        ref = log_softmax(logits(cli, model, ids, "f32", False, tmp))
        result = {"model": os.path.basename(model.rstrip("/")), "tokens": n}
        for name, step in (("prefill", False), ("decode", True)):
            q = log_softmax(logits(cli, model, ids, "int8", step, tmp))
            kl = (np.exp(ref) * (ref - q)).sum(axis=1)
            result[name] = {"mean_kl": float(kl.mean()), "max_kl": float(kl.max()),
                            "top1": float((ref.argmax(1) == q.argmax(1)).mean())}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
