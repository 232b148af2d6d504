"""A random PEFT LoRA adapter for a benchmark model: r=16 on every linear
layer (target_modules "all-linear"), stored F32, BF16 or as the model is.
Timing does not depend on the values, only on the shapes.

usage: make_adapter.py MODEL_DIR OUT_DIR [RANK] [f32|bf16]"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "conformance", "model"))
import safetensors_io  # noqa: E402


def main():
    model, out = sys.argv[1], sys.argv[2]
    r = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    dtype = torch.bfloat16 if len(sys.argv) > 4 and sys.argv[4] == "bf16" else torch.float32
    if os.path.exists(os.path.join(out, "adapter_model.safetensors")):
        return
    with open(os.path.join(model, "config.json")) as f:
        cfg = json.load(f)
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D, F = cfg["hidden_size"], cfg["intermediate_size"]
    hd = cfg.get("head_dim") or D // H
    dims = {"self_attn.q_proj": (D, H * hd), "self_attn.k_proj": (D, KV * hd),
            "self_attn.v_proj": (D, KV * hd), "self_attn.o_proj": (H * hd, D),
            "mlp.gate_proj": (D, F), "mlp.up_proj": (D, F), "mlp.down_proj": (F, D)}
    gen = torch.Generator().manual_seed(11)
    t = {}
    for i in range(cfg["num_hidden_layers"]):
        for m, (fin, fout) in dims.items():
            p = f"base_model.model.model.layers.{i}.{m}"
            t[p + ".lora_A.weight"] = (torch.randn(r, fin, generator=gen) / math.sqrt(fin)).to(dtype)
            t[p + ".lora_B.weight"] = (torch.randn(fout, r, generator=gen) * 0.01).to(dtype)
    os.makedirs(out, exist_ok=True)
    conf = {"peft_type": "LORA", "r": r, "lora_alpha": 2 * r, "target_modules": "all-linear",
            "task_type": "CAUSAL_LM", "bias": "none", "lora_dropout": 0.0}
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(conf, f, indent=2)
    safetensors_io.save(os.path.join(out, "adapter_model.safetensors"), t)
    print("wrote", out)


if __name__ == "__main__":
    main()
