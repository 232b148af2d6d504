"""Writes a Hugging Face Llama/Qwen2 checkpoint (as produced by gen_models.py
or tests/bench/model/make_models.py) as GGUF with llama.cpp's own gguf-py,
the way its convert_hf_to_gguf.py lays such models out: llama.cpp names,
q/k rows permuted for the llama architecture (it rotates interleaved pairs,
transformers rotates halves), norms and biases in F32, an empty vocabulary
of the right size. Only what the comparisons need (no tokenizer).

usage: hf_to_gguf.py GGUF_PY_DIR MODEL_DIR OUT.gguf [f32|f16|bf16|auto]"""
import json
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[base + b: base + end]
        if e["dtype"] == "F32":
            arr = raw.view(np.float32)
        elif e["dtype"] == "F16":
            arr = raw.view(np.float16)
        elif e["dtype"] == "BF16":
            arr = raw.view(np.uint16)
        else:
            raise ValueError(e["dtype"])
        out[name] = (arr.reshape(e["shape"]), e["dtype"])
    return out


def load_all(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
        files = sorted(set(json.load(f)["weight_map"].values()))
    out = {}
    for fn in files:
        out.update(read_safetensors(os.path.join(model_dir, fn)))
    return out


def to_f32(arr, dtype):
    if dtype == "BF16":
        return (arr.astype(np.uint32) << 16).view(np.float32)
    return arr.astype(np.float32)


def permute(w, n_head, n_head_kv):
    """convert_hf_to_gguf.py LlamaModel.permute."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def main():
    sys.path.insert(0, sys.argv[1])
    import gguf

    model_dir, out = sys.argv[2], sys.argv[3]
    want = sys.argv[4] if len(sys.argv) > 4 else "auto"
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    arch = {"LlamaForCausalLM": "llama", "Qwen2ForCausalLM": "qwen2"}[cfg["architectures"][0]]
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim") or cfg["hidden_size"] // H
    w = gguf.GGUFWriter(out, arch)
    w.add_name(os.path.basename(model_dir))
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(H)
    w.add_head_count_kv(KV)
    w.add_rope_dimension_count(hd)
    w.add_key_length(hd)
    w.add_value_length(hd)
    w.add_layer_norm_rms_eps(cfg.get("rms_norm_eps", 1e-6))
    w.add_rope_freq_base(cfg.get("rope_theta", 10000.0))
    rs = cfg.get("rope_scaling")
    if rs:
        kind = rs.get("rope_type", rs.get("type"))
        if kind != "linear":
            raise SystemExit(f"rope scaling {kind} not converted")
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(rs["factor"])
    # A placeholder SentencePiece vocabulary of the right size: node-llama-cpp
    # detokenizes while it works, which llama.cpp refuses without one.
    V = cfg["vocab_size"]
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    tokens += [f"\u2581t{i}" for i in range(len(tokens), V)]
    types += [1] * (V - len(types))
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens[:V])
    w.add_token_scores([0.0] * V)
    w.add_token_types(types[:V])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(False)
    w.add_file_type(gguf.LlamaFileType.ALL_F32 if want == "f32" else gguf.LlamaFileType.MOSTLY_F16)

    tensors = load_all(model_dir)
    names = {"model.embed_tokens.weight": "token_embd.weight",
             "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight"}
    sub = {"input_layernorm.weight": "attn_norm.weight",
           "post_attention_layernorm.weight": "ffn_norm.weight",
           "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight",
           "self_attn.v_proj.weight": "attn_v.weight",
           "self_attn.o_proj.weight": "attn_output.weight",
           "self_attn.q_proj.bias": "attn_q.bias", "self_attn.k_proj.bias": "attn_k.bias",
           "self_attn.v_proj.bias": "attn_v.bias", "self_attn.o_proj.bias": "attn_output.bias",
           "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
           "mlp.down_proj.weight": "ffn_down.weight"}
    for name in sorted(tensors):
        arr, dtype = tensors[name]
        if name.startswith("model.layers."):
            parts = name.split(".")
            gname = f"blk.{parts[2]}." + sub[".".join(parts[3:])]
        else:
            gname = names[name]
        data = to_f32(arr, dtype)
        if arch == "llama" and name.endswith("q_proj.weight"):
            data = permute(data, H, H)
        elif arch == "llama" and name.endswith("k_proj.weight"):
            data = permute(data, H, KV)
        if data.ndim == 1:
            w.add_tensor(gname, np.ascontiguousarray(data, dtype=np.float32))
            continue
        target = want if want != "auto" else {"F32": "f32", "F16": "f16", "BF16": "bf16"}[dtype]
        if target == "f32":
            w.add_tensor(gname, np.ascontiguousarray(data))
        elif target == "f16":
            w.add_tensor(gname, np.ascontiguousarray(data.astype(np.float16)))
        else:  # bf16: round to nearest even, as torch does
            u = np.ascontiguousarray(data).view(np.uint32)
            r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
            w.add_tensor(gname, r, raw_dtype=gguf.GGMLQuantizationType.BF16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
