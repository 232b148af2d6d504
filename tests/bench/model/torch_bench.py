"""The PyTorch bf16 forward pass as a benchmark peer: the same phases as
`tabllm bench` (prefill of N random ids with logits for every position, as
transformers' forward computes them, then decode one id at a time with a KV
cache), weights and activations in bfloat16 as transformers runs a model
loaded with torch_dtype=torch.bfloat16 (softmax in float32, RMSNorm in
float32). Debian's torch uses oneDNN for bf16 matmuls where the CPU has
AVX-512 BF16; run with OMP_WAIT_POLICY=PASSIVE so idle OpenMP threads do not
spin. Prints one JSON object.

usage: torch_bench.py MODEL_DIR THREADS PREFILL DECODE"""
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "conformance", "model"))
import hf_reference  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        raw = np.array(data[a:b])
        if e["dtype"] == "BF16":
            t = torch.from_numpy(raw.view(np.int16)).view(torch.bfloat16)
        elif e["dtype"] == "F32":
            t = torch.from_numpy(raw.view(np.float32)).to(torch.bfloat16)
        else:
            t = torch.from_numpy(raw.view(np.float16)).to(torch.bfloat16)
        out[name] = t.reshape(e["shape"])
    return out


class Bf16Model:
    def __init__(self, cfg, w):
        self.cfg, self.w = cfg, w
        self.H = cfg["num_attention_heads"]
        self.KV = cfg.get("num_key_value_heads") or self.H
        self.hd = cfg.get("head_dim") or cfg["hidden_size"] // self.H
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.L = cfg["num_hidden_layers"]
        self.rotary = hf_reference.Rotary(cfg, self.hd)
        self.head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") \
            else w["lm_head.weight"]
        self.k = [None] * self.L
        self.v = [None] * self.L

    def norm(self, x, w):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return w * xf.to(torch.bfloat16)

    def lin(self, name, x):
        b = self.w.get(name + ".bias")
        return torch.nn.functional.linear(x, self.w[name + ".weight"], b)

    @torch.no_grad()
    def forward(self, ids, start):
        T = len(ids)
        pos = torch.arange(start, start + T)[None, :]
        cos, sin = self.rotary(pos)
        cos, sin = cos.to(torch.bfloat16)[:, None], sin.to(torch.bfloat16)[:, None]
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids)][None]
        for i in range(self.L):
            p = f"model.layers.{i}."
            h = self.norm(x, self.w[p + "input_layernorm.weight"])
            q = self.lin(p + "self_attn.q_proj", h).view(1, T, self.H, self.hd).transpose(1, 2)
            k = self.lin(p + "self_attn.k_proj", h).view(1, T, self.KV, self.hd).transpose(1, 2)
            v = self.lin(p + "self_attn.v_proj", h).view(1, T, self.KV, self.hd).transpose(1, 2)
            q = q * cos + hf_reference.rotate_half(q) * sin
            k = k * cos + hf_reference.rotate_half(k) * sin
            if self.k[i] is not None:
                k = torch.cat([self.k[i], k], dim=2)
                v = torch.cat([self.v[i], v], dim=2)
            self.k[i], self.v[i] = k, v
            rep = self.H // self.KV
            kr, vr = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
            att = (q @ kr.transpose(2, 3)) * (self.hd ** -0.5)
            if T > 1:
                S = kr.shape[2]
                mask = torch.arange(S)[None, :] > torch.arange(start, start + T)[:, None]
                att = att.masked_fill(mask, float("-inf"))
            att = torch.softmax(att, dim=-1, dtype=torch.float32).to(torch.bfloat16)
            o = (att @ vr).transpose(1, 2).reshape(1, T, self.H * self.hd)
            x = x + self.lin(p + "self_attn.o_proj", o)
            h = self.norm(x, self.w[p + "post_attention_layernorm.weight"])
            g = self.lin(p + "mlp.gate_proj", h)
            u = self.lin(p + "mlp.up_proj", h)
            x = x + self.lin(p + "mlp.down_proj", torch.nn.functional.silu(g) * u)
        x = self.norm(x, self.w["model.norm.weight"])
        return x @ self.head.t()  # logits for every position, as transformers' forward


def main():
    model_dir, threads = sys.argv[1], int(sys.argv[2])
    prefill, decode = int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    t0 = time.perf_counter()
    w = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    load_s = time.perf_counter() - t0
    m = Bf16Model(cfg, w)
    rng = np.random.default_rng(5)
    V = cfg["vocab_size"]
    m.forward(rng.integers(0, V, 16).tolist(), 0)  # warm-up
    m.k, m.v = [None] * m.L, [None] * m.L
    ids = rng.integers(0, V, prefill).tolist()
    t0 = time.perf_counter()
    m.forward(ids, 0)
    prefill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(decode):
        m.forward([int(rng.integers(0, V))], prefill + i)
    decode_s = time.perf_counter() - t0
    print(json.dumps({
        "engine": "torch-bf16", "model": model_dir, "threads": threads, "load_s": load_s,
        "prefill_tokens": prefill, "prefill_tps": prefill / prefill_s,
        "decode_tokens": decode, "decode_tps": decode / decode_s if decode else 0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__}))


if __name__ == "__main__":
    main()
