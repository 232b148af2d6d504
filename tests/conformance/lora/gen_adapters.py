"""Random PEFT LoRA adapters for every option libtabllm honours, on small
random models (tests/conformance/model/gen_models.py), and their expected
logits from the independent PyTorch reference (hf_reference.py) run on
effective weights built explicitly the way PEFT computes them:

  plain LoRA   W' = W + s·B@A            (tuners/lora/layer.py get_delta_weight)
               b' = b + s·lora_B.bias    (lora_bias)
  DoRA         W' = m/‖W + s·B@A‖_row ⊙ (W' + s·B@A)   (dora.py; variants.py
               passes the running result, so stacked adapters apply in order)
  embedding    E' = E + s·(B@A)ᵀ, DoRA's norm per embedding column
  modules_to_save: the saved tensor replaces the module's weight
  bias "all":  the saved bias replaces the module's bias

with s = user scale · lora_alpha/r (or /sqrt(r) with use_rslora), r and
alpha per module from rank_pattern/alpha_pattern. Each sequence of a case
is computed alone with its own adapter set; the C test runs them alone and
mixed in one batch.

  <out>/models/<name>/...           base models (HF layout)
  <out>/adapters/<name>/...         adapter_config.json + adapter_model.safetensors
  <out>/cases.json                  cases: model, adapters, sequences (paths
                                    relative to OUT_DIR)
  <out>/ref/<case>_<seq>.f32        float32 [n_prompt, vocab] logits

usage: gen_adapters.py OUT_DIR"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model"))
import gen_models  # noqa: E402
import hf_reference  # noqa: E402
import safetensors_io  # noqa: E402

N_PROMPT = 24
LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
PARENT = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn",
          "o_proj": "self_attn", "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}

# base models: (arch, dtype, config overrides)
MODELS = {
    "llama": ("llama", torch.float32, {}),
    "qwen2_tied": ("qwen2", torch.float32, {"tie_word_embeddings": True}),
    "qwen3": ("qwen3", torch.float32, {"head_dim": 24}),
    "llama_bf16": ("llama", torch.bfloat16, {"attention_bias": True}),
}

# A PEFT 0.17-style adapter_config.json; cases override fields.
CONFIG = {
    "alora_invocation_tokens": None, "alpha_pattern": {}, "arrow_config": None,
    "auto_mapping": None, "base_model_name_or_path": "random", "bias": "none",
    "corda_config": None, "ensure_weight_tying": False, "eva_config": None,
    "exclude_modules": None, "fan_in_fan_out": False, "inference_mode": True,
    "init_lora_weights": True, "layer_replication": None, "layers_pattern": None,
    "layers_to_transform": None, "loftq_config": {}, "lora_alpha": 16, "lora_bias": False,
    "lora_dropout": 0.05, "megatron_config": None, "megatron_core": "megatron.core",
    "modules_to_save": None, "peft_type": "LORA", "peft_version": "0.17.1",
    "qalora_group_size": 16, "r": 8, "rank_pattern": {}, "revision": None,
    "target_modules": ["q_proj", "v_proj"], "target_parameters": None, "task_type": "CAUSAL_LM",
    "trainable_token_indices": None, "use_dora": False, "use_qalora": False,
    "use_rslora": False,
}

# adapters: name -> (model, config overrides, options)
#   options: dtype (stored), infix (adapter name kept in tensor names),
#            rank_of/alpha_of are derived from the config like PEFT does
ADAPTERS = {
    "qv": ("llama", {}, {}),
    "all_linear": ("qwen2_tied", {"target_modules": "all-linear", "r": 4, "lora_alpha": 8},
                   {"dtype": torch.bfloat16}),
    "rslora": ("llama", {"use_rslora": True, "r": 16, "lora_alpha": 8,
                         "target_modules": LINEAR}, {}),
    "patterns": ("llama", {"target_modules": LINEAR, "r": 6, "lora_alpha": 12,
                           "rank_pattern": {"q_proj": 4, "model.layers.1.mlp.down_proj": 2},
                           "alpha_pattern": {"v_proj": 32, "layers.0.self_attn.o_proj": 3}},
                 {}),
    "layers": ("llama", {"target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
                         "layers_to_transform": [1], "layers_pattern": "layers"}, {}),
    "regex": ("qwen3", {"target_modules": r".*\.(q|v|down)_proj",
                        "exclude_modules": ["model.layers.0.self_attn.v_proj"]}, {}),
    "fan_in_fan_out": ("llama", {"fan_in_fan_out": True,
                                 "target_modules": ["k_proj", "up_proj"]}, {}),
    "dora": ("llama", {"use_dora": True, "r": 4, "lora_alpha": 8, "target_modules": LINEAR},
             {"dtype": torch.float16, "infix": "default"}),
    "dora_embed_head": ("qwen2_tied", {"use_dora": True, "r": 4,
                                       "target_modules": ["embed_tokens", "lm_head", "q_proj"]},
                        {}),
    "modules_to_save": ("llama", {"modules_to_save": ["lm_head", "embed_tokens"]}, {}),
    "embedding": ("qwen2_tied", {"target_modules": ["embed_tokens", "v_proj"], "r": 4}, {}),
    "lora_bias": ("qwen2_tied", {"lora_bias": True,
                                 "target_modules": ["q_proj", "k_proj", "o_proj", "gate_proj"]},
                  {}),
    "bias_all": ("qwen2_tied", {"bias": "all", "target_modules": ["q_proj", "o_proj"]}, {}),
    "stack_a": ("llama", {"target_modules": ["q_proj", "v_proj", "up_proj"], "r": 4}, {}),
    "stack_dora": ("llama", {"use_dora": True, "target_modules": ["q_proj", "k_proj", "down_proj"],
                             "r": 2, "lora_alpha": 4}, {}),
    "bf16": ("llama_bf16", {"target_modules": LINEAR, "r": 4}, {"dtype": torch.bfloat16}),
}

# cases: name -> (model, [sequences]); a sequence is [(adapter, scale), ...]
CASES = {
    "qv": ("llama", [[("qv", 1.0)]]),
    "all_linear": ("qwen2_tied", [[("all_linear", 1.0)]]),
    "rslora": ("llama", [[("rslora", 1.0)]]),
    "patterns": ("llama", [[("patterns", 1.0)]]),
    "layers": ("llama", [[("layers", 1.0)]]),
    "regex": ("qwen3", [[("regex", 1.0)]]),
    "fan_in_fan_out": ("llama", [[("fan_in_fan_out", 1.0)]]),
    "dora": ("llama", [[("dora", 1.0)]]),
    "dora_embed_head": ("qwen2_tied", [[("dora_embed_head", 0.8)]]),
    "modules_to_save": ("llama", [[("modules_to_save", 1.0)]]),
    "embedding": ("qwen2_tied", [[("embedding", 1.0)]]),
    "lora_bias": ("qwen2_tied", [[("lora_bias", 1.0)]]),
    "bias_all": ("qwen2_tied", [[("bias_all", 1.0)]]),
    "stacked": ("llama", [[("stack_a", 0.7), ("qv", -1.3)]]),
    "stacked_dora": ("llama", [[("stack_a", 0.5), ("stack_dora", 1.5)]]),
    "bf16": ("llama_bf16", [[("bf16", 1.0)]]),
    # one batch, sequences with different sets (and one on the base model)
    "mixed": ("llama", [[("qv", 1.0)], [], [("qv", 0.5), ("stack_a", 2.0)],
                        [("modules_to_save", 1.0)], [("dora", 1.0)], [("qv", 1.0)]]),
}


def module_names(cfg):
    """(name, in, out) of every module LoRA may adapt, in model order."""
    H, KV = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim") or cfg["hidden_size"] // H
    D, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    dims = {"q_proj": (D, H * hd), "k_proj": (D, KV * hd), "v_proj": (D, KV * hd),
            "o_proj": (H * hd, D), "gate_proj": (D, F), "up_proj": (D, F), "down_proj": (F, D)}
    out = [("model.embed_tokens", V, D)]
    for i in range(cfg["num_hidden_layers"]):
        for m in LINEAR:
            out.append((f"model.layers.{i}.{PARENT[m]}.{m}",) + dims[m])
    out.append(("lm_head", D, V))
    return out


def targeted(conf, name):
    """PEFT's check_target_module_exists for the configs used here."""
    import re
    ex = conf.get("exclude_modules")
    if ex and (name in ex or any(name.endswith("." + e) for e in ex)):
        return False
    mts = conf.get("modules_to_save") or []
    if any(re.match(rf"(^|.*\.){m}($|\..*)", name) for m in mts):
        return False
    tm = conf["target_modules"]
    if isinstance(tm, str):
        if tm == "all-linear":
            return name not in ("lm_head", "model.embed_tokens")
        return re.fullmatch(tm, name) is not None
    if name in tm:
        return True
    found = any(name.endswith("." + t) for t in tm)
    lt = conf.get("layers_to_transform")
    if found and lt is not None:
        pat = conf.get("layers_pattern")
        m = re.match(rf".*\.{pat}\.(\d+)\." if pat else r".*\.[^.]*\.(\d+)\.", name)
        found = m is not None and int(m.group(1)) in (lt if isinstance(lt, list) else [lt])
    return found


def pattern_value(patterns, name, default):
    """utils/other.py get_pattern_key."""
    import re
    for key, value in patterns.items():
        if re.match(rf"(.*\.)?({key})$", name):
            return value
    return default


def make_adapter(out, model_cfg, base, conf_over, opts, gen):
    conf = dict(CONFIG)
    conf.update(conf_over)
    dtype = opts.get("dtype", torch.float32)
    infix = "." + opts["infix"] if "infix" in opts else ""
    tensors, mods = {}, {}
    for name, fin, fout in module_names(model_cfg):
        if not targeted(conf, name):
            continue
        r = pattern_value(conf["rank_pattern"], name, conf["r"])
        alpha = pattern_value(conf["alpha_pattern"], name, conf["lora_alpha"])
        scaling = alpha / math.sqrt(r) if conf["use_rslora"] else alpha / r
        p = "base_model.model." + name
        if name == "model.embed_tokens":
            a = torch.randn(r, fin, generator=gen) * 0.5
            b = torch.randn(fout, r, generator=gen) * (0.5 / r)
            tensors[p + ".lora_embedding_A" + infix] = a
            tensors[p + ".lora_embedding_B" + infix] = b
        else:
            a = torch.randn(r, fin, generator=gen) / math.sqrt(fin)
            b = torch.randn(fout, r, generator=gen) * (0.6 / math.sqrt(r))
            tensors[p + ".lora_A" + infix + ".weight"] = a
            tensors[p + ".lora_B" + infix + ".weight"] = b
            if conf["lora_bias"]:
                tensors[p + ".lora_B" + infix + ".bias"] = torch.randn(fout, generator=gen) * 0.1
        mod = {"r": r, "alpha": alpha, "scaling": scaling}
        if conf["use_dora"]:
            # a magnitude near the trained-from norm, as after DoRA training
            w = base_weight(model_cfg, base, name)
            delta = (b.to(dtype).float() @ a.to(dtype).float()) * scaling
            full = (w + delta.t()).t() if name == "model.embed_tokens" else w + delta
            m = torch.linalg.norm(full, dim=1) * (1 + 0.2 * torch.randn(full.shape[0],
                                                                         generator=gen))
            tensors[p + ".lora_magnitude_vector" + infix + (".weight" if infix else "")] = m
        mods[name] = mod
    for m in conf.get("modules_to_save") or []:
        name = "model.embed_tokens" if m == "embed_tokens" else m
        w = base_weight(model_cfg, base, name)
        tensors["base_model.model." + name + ".weight"] = w + 0.5 * torch.randn(w.shape,
                                                                              generator=gen)
    if conf["bias"] == "all":
        for name, fin, fout in module_names(model_cfg):
            bname = name + ".bias"
            if bname in base:
                key = name + (".base_layer.bias" if targeted(conf, name) else ".bias")
                tensors["base_model.model." + key] = base[bname] + 0.3 * torch.randn(
                    fout, generator=gen)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(conf, f, indent=2)
    stored = {k: v.to(dtype) for k, v in tensors.items()}
    safetensors_io.save(os.path.join(out, "adapter_model.safetensors"), stored)
    # the reference uses exactly the stored values
    return {"conf": conf, "mods": mods, "t": {k: v.float() for k, v in stored.items()},
            "infix": infix}


def base_weight(cfg, base, name):
    if name == "lm_head" and cfg.get("tie_word_embeddings"):
        return base["model.embed_tokens.weight"]
    return base[name + ".weight"]


def effective(cfg, base, entries):
    """The weights PEFT's forward computes with, for one adapter set."""
    w = {k: v.clone() for k, v in base.items()}
    if cfg.get("tie_word_embeddings"):
        # an untied copy: LoRA on the embedding does not change lm_head
        w["lm_head.weight"] = base["model.embed_tokens.weight"].clone()
    for ad, scale in entries:
        t, p = ad["t"], "base_model.model."
        for name, mod in ad["mods"].items():
            s = scale * mod["scaling"]
            key = name + ".weight"
            W = base_weight(cfg, base, name)  # DoRA's norm uses the base weight
            if name == "model.embed_tokens":
                A = t[p + name + ".lora_embedding_A" + ad["infix"]]
                B = t[p + name + ".lora_embedding_B" + ad["infix"]]
                delta = (B @ A).t() * s  # [V, D]
                mag = ad_mag(ad, name)
                if mag is None:
                    w[key] = w[key] + delta
                else:
                    norm = torch.linalg.norm(W.t() + s * (B @ A), dim=1)  # per column
                    w[key] = (w[key] + delta) * (mag / norm)[None, :]
                continue
            A = t[p + name + ".lora_A" + ad["infix"] + ".weight"]
            B = t[p + name + ".lora_B" + ad["infix"] + ".weight"]
            delta = (B @ A) * s
            mag = ad_mag(ad, name)
            if mag is None:
                w[key] = w[key] + delta
                bb = t.get(p + name + ".lora_B" + ad["infix"] + ".bias")
                if bb is not None:
                    w[name + ".bias"] = w.get(name + ".bias", torch.zeros_like(bb)) + s * bb
            else:
                norm = torch.linalg.norm(W + s * (B @ A), dim=1)
                w[key] = (mag / norm)[:, None] * (w[key] + delta)
        for k, v in t.items():
            name = k[len("base_model.model."):]
            if ".lora_" in name:
                continue
            if name.endswith(".base_layer.bias"):
                w[name.replace(".base_layer.bias", ".bias")] = v.clone()
            else:
                w[name] = v.clone()
    return w


def ad_mag(ad, name):
    p = "base_model.model." + name + ".lora_magnitude_vector" + ad["infix"]
    return ad["t"].get(p + (".weight" if ad["infix"] else ""))


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    models, adapters = {}, {}
    for i, (name, (arch, dtype, over)) in enumerate(sorted(MODELS.items())):
        gen = torch.Generator().manual_seed(2000 + i)
        cfg = gen_models.make_config(arch, over)
        cfg["num_hidden_layers"] = 2
        weights = gen_models.make_weights(cfg, arch, gen)
        used = gen_models.write_model(os.path.join(out, "models", name), cfg, weights, dtype, 1)
        models[name] = (cfg, used, dtype)
    for i, (name, (model, over, opts)) in enumerate(sorted(ADAPTERS.items())):
        gen = torch.Generator().manual_seed(3000 + i)
        cfg, used, _ = models[model]
        adapters[name] = make_adapter(os.path.join(out, "adapters", name), cfg, used, over, opts,
                                      gen)
    os.makedirs(os.path.join(out, "ref"), exist_ok=True)
    cases = []
    for i, (name, (model, seqs)) in enumerate(sorted(CASES.items())):
        cfg, used, dtype = models[model]
        gen = torch.Generator().manual_seed(4000 + i)
        out_seqs = []
        for k, entries in enumerate(seqs):
            prompt = torch.randint(0, cfg["vocab_size"], (N_PROMPT,), generator=gen).tolist()
            w = effective(cfg, used, [(adapters[a], s) for a, s in entries])
            rcfg = dict(cfg)
            rcfg["tie_word_embeddings"] = False
            with torch.no_grad():
                logits = hf_reference.Model(rcfg, w).forward(prompt, 0)
            path = os.path.join("ref", f"{name}_{k}.f32")
            logits.contiguous().numpy().astype("<f4").tofile(os.path.join(out, path))
            out_seqs.append({"adapters": [a for a, _ in entries],
                             "scales": [s for _, s in entries], "prompt": prompt,
                             "logits": path, "max_abs_logit": float(logits.abs().max())})
        cases.append({"name": name, "model": os.path.join("models", model),
                      "stored": {torch.float32: "f32", torch.bfloat16: "bf16"}[dtype],
                      "n_vocab": cfg["vocab_size"], "sequences": out_seqs})
        print(f"lora {name}: {len(out_seqs)} sequence(s), max|logit| "
              f"{max(s['max_abs_logit'] for s in out_seqs):.2f}")
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"adapters": {k: os.path.join("adapters", k) for k in adapters},
                   "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
