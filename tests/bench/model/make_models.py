"""Random-weight Hugging Face models shaped like SmolLM2-135M and
Qwen2.5-0.5B, stored as F32 and BF16, for the benchmark (the numbers do not
depend on the weights' values, only their shapes and dtypes).

usage: make_models.py OUT_DIR [smollm2|qwen2.5 ...]"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "conformance", "model"))
import safetensors_io  # noqa: E402

SHAPES = {
    "smollm2-135m": {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 49152,
        "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
        "num_attention_heads": 9, "num_key_value_heads": 3, "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-5, "rope_theta": 100000.0, "tie_word_embeddings": True,
        "hidden_act": "silu", "bos_token_id": 0, "eos_token_id": 0},
    "qwen2.5-0.5b": {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936,
        "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
        "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768,
        "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": True,
        "hidden_act": "silu", "bos_token_id": 151643, "eos_token_id": 151645,
        "use_sliding_window": False, "sliding_window": 32768, "max_window_layers": 21},
}


def weights(cfg, gen):
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = D // H
    qwen = cfg["model_type"] == "qwen2"

    def mat(o, i):
        return torch.randn(o, i, generator=gen) * (1.0 / i ** 0.5)

    w = {"model.embed_tokens.weight": torch.randn(V, D, generator=gen) * 0.5,
         "model.norm.weight": torch.ones(D)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = torch.ones(D)
        w[p + "post_attention_layernorm.weight"] = torch.ones(D)
        w[p + "self_attn.q_proj.weight"] = mat(H * hd, D)
        w[p + "self_attn.k_proj.weight"] = mat(KV * hd, D)
        w[p + "self_attn.v_proj.weight"] = mat(KV * hd, D)
        w[p + "self_attn.o_proj.weight"] = mat(D, H * hd)
        w[p + "mlp.gate_proj.weight"] = mat(F, D)
        w[p + "mlp.up_proj.weight"] = mat(F, D)
        w[p + "mlp.down_proj.weight"] = mat(D, F)
        if qwen:
            for n, size in (("q", H * hd), ("k", KV * hd), ("v", KV * hd)):
                w[p + f"self_attn.{n}_proj.bias"] = torch.randn(size, generator=gen) * 0.1
    return w


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(SHAPES)
    for name in names:
        cfg = SHAPES[name]
        w = None
        for dtype, tag in ((torch.float32, "f32"), (torch.bfloat16, "bf16")):
            d = os.path.join(out, f"{name}-{tag}")
            if os.path.exists(os.path.join(d, "model.safetensors")):
                continue
            if w is None:
                w = weights(cfg, torch.Generator().manual_seed(7))
            os.makedirs(d, exist_ok=True)
            c = dict(cfg)
            c["torch_dtype"] = "float32" if tag == "f32" else "bfloat16"
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(c, f, indent=2)
            safetensors_io.save(os.path.join(d, "model.safetensors"),
                                {k: v.to(dtype) for k, v in w.items()})
            print("wrote", d)


if __name__ == "__main__":
    main()
