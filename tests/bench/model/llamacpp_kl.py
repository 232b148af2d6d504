"""llama.cpp's own Q8_0 loss on a benchmark model, for calibrating ours
(int8_kl.py): KL(p_F32 || p_Q8_0) of llama.cpp's next-token distributions
over the same fixed ids, F32 GGUF against Q8_0 GGUF of the same weights.

usage: llamacpp_kl.py F32.gguf Q8_0.gguf VOCAB [N_TOKENS] -> one JSON line"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def logprobs(gguf, ref, tmp):
    out = os.path.join(tmp, os.path.basename(gguf) + ".json")
    subprocess.run(["node", os.path.join(here, "..", "..", "conformance", "model",
                                         "llamacpp_ref.mjs"), gguf, ref, out], check=True)
    rows = json.load(open(out))["logprobs"]
    return np.array([[-69.0 if v is None else max(v, -69.0) for v in r] for r in rows])


def main():
    f32, q8, vocab = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 48
    ids = np.random.default_rng(1234).integers(0, vocab, n).tolist()  # as int8_kl.py
    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "ref.json")
        json.dump({"prompt": ids, "n_vocab": vocab, "generated": []}, open(ref, "w"))
        p, q = logprobs(f32, ref, tmp), logprobs(q8, ref, tmp)
    kl = (np.exp(p) * (p - q)).sum(axis=1)
    print(json.dumps({"engine": "llama.cpp", "model": os.path.basename(q8), "tokens": n,
                      "mean_kl": float(kl.mean()), "max_kl": float(kl.max()),
                      "top1": float((p.argmax(1) == q.argmax(1)).mean())}))


if __name__ == "__main__":
    main()
