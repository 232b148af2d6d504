"""Reading and writing .safetensors files without the safetensors package.

Layout (huggingface/safetensors README): an 8-byte little-endian unsigned header length N, N bytes of
UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end)}, "__metadata__": {str: str}},
then the tensor bytes, little-endian, row-major, offsets relative to the end of the header. Like the
reference writer, the header is padded with spaces to a multiple of 8 bytes and tensors are laid out
largest dtype first, then by name.
"""

import json
import struct

import numpy as np
import torch

_DTYPES = {"F32": (torch.float32, 4), "BF16": (torch.bfloat16, 2), "F16": (torch.float16, 2)}


def _raw_bytes(t, dtype):
    t = t.detach().to(_DTYPES[dtype][0]).contiguous().cpu()
    if dtype == "BF16":  # numpy has no bfloat16: reinterpret the bits as int16
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype("<f4" if dtype == "F32" else "<f2").tobytes()


def save(path, tensors, dtype="F32", metadata=None):
    """tensors: name -> torch tensor, all stored as dtype ("F32", "BF16" or "F16")."""
    names = sorted(tensors, key=lambda n: (-_DTYPES[dtype][1], n))
    header, blobs, off = {}, [], 0
    for n in names:
        b = _raw_bytes(tensors[n], dtype)
        header[n] = {"dtype": dtype, "shape": list(tensors[n].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load(path):
    """name -> float32 torch tensor (BF16/F16 widened exactly), plus the metadata dict."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = buf[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        raw = data[b:e]
        if info["dtype"] == "F32":
            t = torch.from_numpy(np.frombuffer(raw, "<f4").copy())
        elif info["dtype"] == "BF16":
            t = torch.from_numpy(np.frombuffer(raw, "<i2").copy()).view(torch.bfloat16).float()
        elif info["dtype"] == "F16":
            t = torch.from_numpy(np.frombuffer(raw, "<f2").copy()).float()
        else:
            raise ValueError(f"{path}: tensor {name}: dtype {info['dtype']} not handled")
        out[name] = t.reshape(info["shape"])
    return out, meta
