"""An independent PyTorch reference of transformers' Llama-family decoders.

Written from transformers' modeling code (modeling_llama.py, modeling_qwen2.py,
modeling_qwen3.py, modeling_mistral.py, modeling_rope_utils.py): the same
float32 operations in the same order, an explicit KV cache, causal and
sliding-window masks, grouped-query attention via repeat_kv, and the stateful
dynamic-NTK update of LlamaRotaryEmbedding. Used to produce the expected
logits and greedy generations the C library is compared against.
"""
import math

import torch


def _rope_param(cfg):
    """The rope dict whichever way the config spells it, plus rope_theta."""
    rope = cfg.get("rope_parameters") or cfg.get("rope_scaling") or {}
    theta = rope.get("rope_theta", cfg.get("rope_theta", 10000.0))
    kind = rope.get("rope_type", rope.get("type", "default"))
    return rope, theta, kind


def _default_inv_freq(base, dim):
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def compute_inv_freq(cfg, head_dim, seq_len=None):
    """modeling_rope_utils' ROPE_INIT_FUNCTIONS, for the types supported."""
    rope, base, kind = _rope_param(cfg)
    dim = head_dim
    max_pos = cfg.get("max_position_embeddings")
    if kind == "default":
        return _default_inv_freq(base, dim), 1.0
    if kind == "linear":
        inv = _default_inv_freq(base, dim)
        return inv / rope["factor"], 1.0
    if kind == "dynamic":
        factor = rope["factor"]
        seq_len = seq_len if seq_len is not None and seq_len > max_pos else max_pos
        base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (dim / (dim - 2))
        return _default_inv_freq(base, dim), 1.0
    if kind == "llama3":
        inv = _default_inv_freq(base, dim)
        factor = rope["factor"]
        low_ff, high_ff = rope["low_freq_factor"], rope["high_freq_factor"]
        old = rope["original_max_position_embeddings"]
        low_wl, high_wl = old / low_ff, old / high_ff
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low_ff) / (high_ff - low_ff)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        return torch.where(medium, smoothed, inv_l), 1.0
    if kind == "yarn":
        factor = rope["factor"]
        att = rope.get("attention_factor")
        mscale, mscale_all = rope.get("mscale"), rope.get("mscale_all_dim")
        orig = rope.get("original_max_position_embeddings") or max_pos

        def get_mscale(scale, m=1):
            return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

        if att is None:
            if mscale and mscale_all:
                att = float(get_mscale(factor, mscale) / get_mscale(factor, mscale_all))
            else:
                att = get_mscale(factor)
        beta_fast = rope.get("beta_fast") or 32
        beta_slow = rope.get("beta_slow") or 1
        truncate = rope.get("truncate", True)

        def corr_dim(rot):
            return (dim * math.log(orig / (rot * 2 * math.pi))) / (2 * math.log(base))

        low, high = corr_dim(beta_fast), corr_dim(beta_slow)
        if truncate:
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1)
        pos_freqs = base ** (torch.arange(0, dim, 2).float() / dim)
        extra = 1.0 / pos_freqs
        inter = 1.0 / (factor * pos_freqs)
        ef = 1 - ramp
        return inter * (1 - ef) + extra * ef, att
    raise ValueError(kind)


class Rotary:
    """LlamaRotaryEmbedding with dynamic_rope_update's state."""

    def __init__(self, cfg, head_dim):
        self.cfg, self.head_dim = cfg, head_dim
        self.inv_freq, self.scaling = compute_inv_freq(cfg, head_dim)
        self.original_inv_freq = self.inv_freq
        self.kind = _rope_param(cfg)[2]
        self.original_max = cfg.get("max_position_embeddings")
        self.max_seq_len_cached = self.original_max

    def __call__(self, position_ids):
        if self.kind == "dynamic":
            seq_len = int(position_ids.max()) + 1
            if seq_len > self.max_seq_len_cached:
                self.inv_freq, self.scaling = compute_inv_freq(self.cfg, self.head_dim, seq_len)
                self.max_seq_len_cached = seq_len
            if seq_len < self.original_max and self.max_seq_len_cached > self.original_max:
                self.inv_freq = self.original_inv_freq
                self.max_seq_len_cached = self.original_max
        freqs = (self.inv_freq[None, :, None].float() @ position_ids[:, None, :].float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos() * self.scaling, emb.sin() * self.scaling


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rms_norm(x, w, eps):
    dt = x.dtype
    x = x.to(torch.float32)
    var = x.pow(2).mean(-1, keepdim=True)
    x = x * torch.rsqrt(var + eps)
    return w * x.to(dt)


class Model:
    def __init__(self, cfg, weights):
        self.cfg, self.w = cfg, {k: v.float() for k, v in weights.items()}
        arch = cfg["architectures"][0]
        self.arch = arch
        self.H = cfg["num_attention_heads"]
        self.KV = cfg.get("num_key_value_heads") or self.H
        self.hd = cfg.get("head_dim") or cfg["hidden_size"] // self.H
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.L = cfg["num_hidden_layers"]
        self.rotary = Rotary(cfg, self.hd)
        self.tied = cfg.get("tie_word_embeddings", False)
        # per-layer sliding window (None = full attention)
        self.window = [None] * self.L
        if arch == "MistralForCausalLM":
            sw = cfg.get("sliding_window", 4096)
            self.window = [sw] * self.L
        elif arch in ("Qwen2ForCausalLM", "Qwen3ForCausalLM"):
            sw = cfg.get("sliding_window") if cfg.get("use_sliding_window") else None
            types = cfg.get("layer_types") or [
                "sliding_attention" if sw is not None and i >= cfg.get("max_window_layers", 28)
                else "full_attention" for i in range(self.L)]
            self.window = [sw if t == "sliding_attention" else None for t in types]
        self.cache_k = [None] * self.L
        self.cache_v = [None] * self.L

    def lin(self, name, x):
        y = x @ self.w[name + ".weight"].t()
        b = self.w.get(name + ".bias")
        return y + b if b is not None else y

    def forward(self, ids, start):
        """ids: [T] new tokens at positions start..start+T-1; returns logits [T, V]."""
        T = len(ids)
        pos = torch.arange(start, start + T)[None, :]
        cos, sin = self.rotary(pos)  # [1, T, hd]
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids)][None]  # [1, T, D]
        for i in range(self.L):
            p = f"model.layers.{i}."
            h = rms_norm(x, self.w[p + "input_layernorm.weight"], self.eps)
            q = self.lin(p + "self_attn.q_proj", h).view(1, T, self.H, self.hd).transpose(1, 2)
            k = self.lin(p + "self_attn.k_proj", h).view(1, T, self.KV, self.hd).transpose(1, 2)
            v = self.lin(p + "self_attn.v_proj", h).view(1, T, self.KV, self.hd).transpose(1, 2)
            if self.arch == "Qwen3ForCausalLM":
                q = rms_norm(q, self.w[p + "self_attn.q_norm.weight"], self.eps)
                k = rms_norm(k, self.w[p + "self_attn.k_norm.weight"], self.eps)
            c, s = cos[:, None], sin[:, None]
            q = q * c + rotate_half(q) * s
            k = k * c + rotate_half(k) * s
            if self.cache_k[i] is not None:
                k = torch.cat([self.cache_k[i], k], dim=2)
                v = torch.cat([self.cache_v[i], v], dim=2)
            self.cache_k[i], self.cache_v[i] = k, v
            n_rep = self.H // self.KV
            kr = k.repeat_interleave(n_rep, dim=1)
            vr = v.repeat_interleave(n_rep, dim=1)
            S = kr.shape[2]
            att = (q @ kr.transpose(2, 3)) * (self.hd ** -0.5)
            qpos = torch.arange(start, start + T)[:, None]
            kpos = torch.arange(S)[None, :]
            allowed = kpos <= qpos
            if self.window[i] is not None:
                allowed = allowed & (kpos > qpos - self.window[i])
            att = att + torch.where(allowed, 0.0, torch.finfo(torch.float32).min)
            att = torch.softmax(att, dim=-1, dtype=torch.float32)
            o = (att @ vr).transpose(1, 2).reshape(1, T, self.H * self.hd)
            x = x + self.lin(p + "self_attn.o_proj", o)
            h = rms_norm(x, self.w[p + "post_attention_layernorm.weight"], self.eps)
            g = self.lin(p + "mlp.gate_proj", h)
            u = self.lin(p + "mlp.up_proj", h)
            x = x + self.lin(p + "mlp.down_proj", torch.nn.functional.silu(g) * u)
        x = rms_norm(x, self.w["model.norm.weight"], self.eps)
        head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        return (x @ head.t())[0]
