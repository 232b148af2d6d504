"""Generates small random models in real Hugging Face layout (config.json,
model.safetensors or shards + index) for every architecture and option the
library supports, and their expected outputs from hf_reference.py:

  <out>/<name>/config.json, model.safetensors[...]    the model
  <out>/<name>/ref_logits.f32   float32 [n_prompt, vocab]: prefill logits
  <out>/<name>/ref.json         prompt ids, greedy continuation, margins

usage: gen_models.py OUT_DIR"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_reference  # noqa: E402
import safetensors_io  # noqa: E402

VOCAB, HIDDEN, HEADS, KV, FF, LAYERS = 384, 64, 4, 2, 128, 2
N_PROMPT, N_GEN = 40, 64

BASE = {
    "vocab_size": VOCAB, "hidden_size": HIDDEN, "intermediate_size": FF,
    "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": KV,
    "hidden_act": "silu", "max_position_embeddings": 256, "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0, "tie_word_embeddings": False, "bos_token_id": 1,
    "eos_token_id": 2, "torch_dtype": "float32",
}

ARCH = {
    "llama": ("LlamaForCausalLM", "llama"),
    "mistral": ("MistralForCausalLM", "mistral"),
    "qwen2": ("Qwen2ForCausalLM", "qwen2"),
    "qwen3": ("Qwen3ForCausalLM", "qwen3"),
}

# name: (arch, storage dtype, config overrides, shards)
VARIANTS = {
    "llama_f32": ("llama", torch.float32, {}, 1),
    "llama_tied_bias_bf16": ("llama", torch.bfloat16,
                             {"tie_word_embeddings": True, "attention_bias": True,
                              "mlp_bias": True, "eos_token_id": [2, 3]}, 1),
    "llama_linear_f16": ("llama", torch.float16,
                         {"rope_scaling": {"type": "linear", "factor": 2.0}}, 1),
    "llama_dynamic": ("llama", torch.float32,
                      {"max_position_embeddings": 32,
                       "rope_scaling": {"rope_type": "dynamic", "factor": 2.0}}, 1),
    "llama3_rope_mha": ("llama", torch.float32,
                        {"num_key_value_heads": HEADS, "rope_theta": None,
                         "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0,
                                             "factor": 8.0, "low_freq_factor": 1.0,
                                             "high_freq_factor": 4.0,
                                             "original_max_position_embeddings": 16}}, 1),
    "llama_sharded": ("llama", torch.float32, {"num_key_value_heads": 1}, 3),
    "mistral_sliding": ("mistral", torch.float32, {"sliding_window": 8, "head_dim": 24}, 1),
    "qwen2_f32": ("qwen2", torch.float32,
                  {"tie_word_embeddings": True, "num_key_value_heads": 1}, 1),
    "qwen2_f16": ("qwen2", torch.float16, {}, 1),
    "qwen2_sliding": ("qwen2", torch.float32,
                      {"use_sliding_window": True, "sliding_window": 8,
                       "max_window_layers": 1}, 1),
    "qwen2_yarn": ("qwen2", torch.float32,
                   {"max_position_embeddings": 128,
                    "rope_scaling": {"type": "yarn", "factor": 4.0,
                                     "original_max_position_embeddings": 32}}, 1),
    "qwen3_f32": ("qwen3", torch.float32, {"head_dim": 24, "tie_word_embeddings": True}, 1),
    "qwen3_bf16_bias": ("qwen3", torch.bfloat16, {"attention_bias": True}, 1),
}


def make_config(arch, over):
    name, model_type = ARCH[arch]
    cfg = dict(BASE)
    cfg["architectures"] = [name]
    cfg["model_type"] = model_type
    for k, v in over.items():
        if v is None:
            cfg.pop(k, None)
        else:
            cfg[k] = v
    return cfg


def make_weights(cfg, arch, gen):
    H, KVh = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim") or cfg["hidden_size"] // H
    D, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def mat(o, i, scale=1.0):
        return torch.randn(o, i, generator=gen) * (scale / i ** 0.5)

    def vec(n, around=0.0, scale=0.1):
        return around + scale * torch.randn(n, generator=gen)

    w = {"model.embed_tokens.weight": torch.randn(V, D, generator=gen),
         "model.norm.weight": vec(D, 1.0)}
    qkv_bias = arch == "qwen2" or cfg.get("attention_bias", False)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = vec(D, 1.0)
        w[p + "post_attention_layernorm.weight"] = vec(D, 1.0)
        w[p + "self_attn.q_proj.weight"] = mat(H * hd, D, 2.0)
        w[p + "self_attn.k_proj.weight"] = mat(KVh * hd, D, 2.0)
        w[p + "self_attn.v_proj.weight"] = mat(KVh * hd, D)
        w[p + "self_attn.o_proj.weight"] = mat(D, H * hd)
        w[p + "mlp.gate_proj.weight"] = mat(F, D)
        w[p + "mlp.up_proj.weight"] = mat(F, D)
        w[p + "mlp.down_proj.weight"] = mat(D, F)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = vec(H * hd)
            w[p + "self_attn.k_proj.bias"] = vec(KVh * hd)
            w[p + "self_attn.v_proj.bias"] = vec(KVh * hd)
        if cfg.get("attention_bias", False):
            w[p + "self_attn.o_proj.bias"] = vec(D)
        if cfg.get("mlp_bias", False):
            w[p + "mlp.gate_proj.bias"] = vec(F)
            w[p + "mlp.up_proj.bias"] = vec(F)
            w[p + "mlp.down_proj.bias"] = vec(D)
        if arch == "qwen3":
            w[p + "self_attn.q_norm.weight"] = vec(hd, 1.0)
            w[p + "self_attn.k_norm.weight"] = vec(hd, 1.0)
    if not cfg.get("tie_word_embeddings", False):
        w["lm_head.weight"] = mat(V, D, 4.0)
    return w


def write_model(out, cfg, weights, dtype, shards):
    os.makedirs(out, exist_ok=True)
    cfg = dict(cfg)
    cfg["torch_dtype"] = {torch.float32: "float32", torch.float16: "float16",
                          torch.bfloat16: "bfloat16"}[dtype]
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    stored = {k: v.to(dtype) for k, v in weights.items()}
    if shards == 1:
        safetensors_io.save(os.path.join(out, "model.safetensors"), stored)
    else:
        names = sorted(stored)
        wmap, total = {}, 0
        for s in range(shards):
            part = {n: stored[n] for n in names[s::shards]}
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            safetensors_io.save(os.path.join(out, fname), part)
            for n in part:
                wmap[n] = fname
                total += part[n].numel() * part[n].element_size()
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": wmap}, f, indent=2)
    # the reference runs on exactly the stored values, widened to float32
    return {k: v.float() for k, v in stored.items()}


def reference(cfg, weights, prompt):
    m = hf_reference.Model(cfg, weights)
    with torch.no_grad():
        logits = m.forward(prompt, 0)
        ids, margins = [], []
        last = logits[-1]
        pos = len(prompt)
        for _ in range(N_GEN):
            top = torch.topk(last, 2)
            margins.append(float(top.values[0] - top.values[1]))
            nxt = int(torch.argmax(last))
            ids.append(nxt)
            last = m.forward([nxt], pos)[-1]
            pos += 1
    return logits, ids, margins


def main():
    out_root = sys.argv[1]
    torch.set_num_threads(1)
    for i, (name, (arch, dtype, over, shards)) in enumerate(sorted(VARIANTS.items())):
        gen = torch.Generator().manual_seed(1000 + i)
        cfg = make_config(arch, over)
        weights = make_weights(cfg, arch, gen)
        out = os.path.join(out_root, name)
        used = write_model(out, cfg, weights, dtype, shards)
        prompt = torch.randint(0, VOCAB, (N_PROMPT,), generator=gen).tolist()
        logits, ids, margins = reference(cfg, used, prompt)
        logits.contiguous().numpy().astype("<f4").tofile(os.path.join(out, "ref_logits.f32"))
        with open(os.path.join(out, "ref.json"), "w") as f:
            json.dump({"prompt": prompt, "generated": ids, "margins": margins,
                       "n_vocab": VOCAB, "max_abs_logit": float(logits.abs().max())}, f)
        print(f"{name}: max|logit| {float(logits.abs().max()):.2f}, "
              f"min greedy margin {min(margins):.4f}")


if __name__ == "__main__":
    main()
