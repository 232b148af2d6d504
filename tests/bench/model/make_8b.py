"""A random-weight model shaped like Llama-3-8B (TabuLa-8B's base), stored
BF16 in four safetensors shards with an index: 16 GB on disk. For the
memory-plan demonstration in docs/performance.md, not for the test suite.

The values are made directly as bfloat16 bit patterns (random sign and
7-bit mantissa, exponent chosen so |w| ~ 1/sqrt(fan_in)), which numpy writes
at disk speed; the forward pass does not care what the weights are, only
their shapes and dtype.

usage: make_8b.py OUT_DIR"""
import json
import os
import struct
import sys

import numpy as np

CONFIG = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256,
    "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
    "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 8192,
    "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": False,
    "hidden_act": "silu", "bos_token_id": 128000, "eos_token_id": 128001,
    "torch_dtype": "bfloat16",
}


def tensor_list(c):
    D, F, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    H, KV = c["num_attention_heads"], c["num_key_value_heads"]
    hd = D // H
    out = [("model.embed_tokens.weight", (V, D))]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "input_layernorm.weight", (D,)),
                (p + "self_attn.q_proj.weight", (H * hd, D)),
                (p + "self_attn.k_proj.weight", (KV * hd, D)),
                (p + "self_attn.v_proj.weight", (KV * hd, D)),
                (p + "self_attn.o_proj.weight", (D, H * hd)),
                (p + "post_attention_layernorm.weight", (D,)),
                (p + "mlp.gate_proj.weight", (F, D)),
                (p + "mlp.up_proj.weight", (F, D)),
                (p + "mlp.down_proj.weight", (D, F))]
    out += [("model.norm.weight", (D,)), ("lm_head.weight", (V, D))]
    return out


def values(shape, rng):
    if len(shape) == 1:
        return np.full(shape, 0x3F80, dtype=np.uint16)  # 1.0
    fan_in = shape[1]
    exp = 127 - int(np.ceil(np.log2(fan_in) / 2)) - 1  # |w| in [2^-e, 2^-e+1)
    bits = rng.integers(0, 1 << 16, size=shape, dtype=np.uint16)
    return (bits & np.uint16(0x807F)) | np.uint16(exp << 7)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    tensors = tensor_list(CONFIG)
    n_shards = 4
    total = sum(2 * int(np.prod(s)) for _, s in tensors)
    per = total // n_shards + 1
    shards, cur, size = [], [], 0
    for name, shape in tensors:
        cur.append((name, shape))
        size += 2 * int(np.prod(shape))
        if size >= per:
            shards.append(cur)
            cur, size = [], 0
    if cur:
        shards.append(cur)
    rng = np.random.default_rng(8)
    weight_map = {}
    for k, group in enumerate(shards):
        fname = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        header, off = {}, 0
        for name, shape in group:
            n = 2 * int(np.prod(shape))
            header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + n]}
            off += n
            weight_map[name] = fname
        h = json.dumps(header).encode()
        h += b" " * (-len(h) % 8)
        with open(os.path.join(out, fname), "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            for name, shape in group:
                f.write(values(shape, rng).tobytes())
        print("wrote", fname, flush=True)
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)


if __name__ == "__main__":
    main()
