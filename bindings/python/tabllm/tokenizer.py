"""Tokenizers: Hugging Face tokenizer.json, with the ids Hugging Face produces."""
from __future__ import annotations

import ctypes
import os
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._handle import Handle
from ._lib import string_at
from .errors import check, error_from_status

PathLike = Union[str, bytes, "os.PathLike[str]"]
Offsets = List[Tuple[int, int]]


def _tokenize_flags(add_special: bool, special_as_text: bool) -> int:
    return ((_ffi.TABLLM_TOKENIZE_ADD_SPECIAL if add_special else 0)
            | (_ffi.TABLLM_TOKENIZE_SPECIAL_AS_TEXT if special_as_text else 0))


def _char_offsets(text: str, data: bytes, offsets: Sequence[Any]) -> Offsets:
    """Byte ranges in the UTF-8 text -> character ranges, as Hugging Face's
    Python API reports them (a range ending inside a character includes it)."""
    if len(data) == len(text):  # ASCII: bytes are characters
        return [(o.start, o.end) for o in offsets]
    char_at = [0] * (len(data) + 1)  # byte index -> index of the character it is in
    b = 0
    for i, ch in enumerate(text):
        n = len(ch.encode("utf-8"))
        for k in range(n):
            char_at[b + k] = i
        b += n
    char_at[b] = len(text)

    def end(x: int) -> int:
        return char_at[x] if x == 0 or char_at[x - 1] != char_at[x] else char_at[x] + 1

    return [(char_at[o.start], end(o.end)) if o.end > o.start else (char_at[o.start], char_at[o.start])
            for o in offsets]


class Tokenizer(Handle):
    """A tokenizer loaded from a Hugging Face ``tokenizer.json`` (or a model
    directory holding one, with its tokenizer_config.json and
    generation_config.json). Immutable; any number of threads may use it::

        tok = tabllm.Tokenizer.load("examples/demo/model")
        ids = tok.encode("Hello world", add_special=True)
        assert tok.decode(ids, skip_special=True) == "Hello world"
    """

    _free = _ffi.tabllm_tokenizer_free

    @staticmethod
    def _params(max_file_bytes: Optional[int]) -> _ffi.tabllm_tokenizer_params:
        p = _ffi.tabllm_tokenizer_params()
        check(_ffi.tabllm_tokenizer_params_init(ctypes.byref(p), ctypes.sizeof(p)))
        if max_file_bytes is not None:
            p.max_file_bytes = max_file_bytes
        return p

    @classmethod
    def load(cls, path: PathLike, *, max_file_bytes: Optional[int] = None) -> "Tokenizer":
        """Loads ``tokenizer.json`` or a model directory holding one."""
        p = cls._params(max_file_bytes)
        out = _ffi.tabllm_tokenizer_p()
        check(_ffi.tabllm_tokenizer_load(os.fsencode(path), ctypes.byref(p), ctypes.byref(out)))
        return cls(out)

    @classmethod
    def from_json(cls, json_text: Union[str, bytes], *, max_file_bytes: Optional[int] = None) -> "Tokenizer":
        """Loads a tokenizer from the text of a tokenizer.json."""
        data = json_text.encode("utf-8") if isinstance(json_text, str) else bytes(json_text)
        p = cls._params(max_file_bytes)
        out = _ffi.tabllm_tokenizer_p()
        check(_ffi.tabllm_tokenizer_from_memory(data, len(data), ctypes.byref(p), ctypes.byref(out)))
        return cls(out)

    # ---------------------------------------------------------------- encode
    def _encode_into(self, call: Any, guess: int, want_offsets: bool) -> Tuple[Any, Any, int]:
        cap = max(guess, 16)
        n = ctypes.c_size_t()
        while True:
            ids = (_ffi.tabllm_token * cap)()
            offs = (_ffi.tabllm_token_offset * cap)() if want_offsets else None
            st = call(ids, cap, ctypes.byref(n), offs)
            if st == _ffi.TABLLM_ERR_BUFFER_TOO_SMALL and n.value > cap:
                cap = n.value
                continue
            if st != _ffi.TABLLM_OK:
                raise error_from_status(st)
            return ids, offs, n.value

    def encode(self, text: str, *, add_special: bool = False, special_as_text: bool = False,
               offsets: bool = False) -> Union[List[int], Tuple[List[int], Offsets]]:
        """The token ids of ``text``; with ``offsets=True`` also each token's
        (start, end) character range in ``text`` ((0, 0) for added specials).

        ``add_special`` adds the post-processor's special tokens (BOS, ...);
        ``special_as_text`` reads special-token text in the input as plain text.
        """
        data = text.encode("utf-8")
        flags = _tokenize_flags(add_special, special_as_text)
        ids, offs, n = self._encode_into(
            lambda ids, cap, n, offs: _ffi.tabllm_tokenizer_encode(self._h, data, len(data), flags, ids, cap, n, offs),
            len(data) + 8, offsets)
        out = ids[:n]
        if offsets:
            return out, _char_offsets(text, data, offs[:n])
        return out

    def encode_pair(self, text_a: str, text_b: str, *, add_special: bool = False,
                    special_as_text: bool = False) -> List[int]:
        """Two texts as one sequence, with the pair template when ``add_special``."""
        a, b = text_a.encode("utf-8"), text_b.encode("utf-8")
        flags = _tokenize_flags(add_special, special_as_text)
        ids, _, n = self._encode_into(
            lambda ids, cap, n, offs: _ffi.tabllm_tokenizer_encode_pair(
                self._h, a, len(a), b, len(b), flags, ids, cap, n, offs),
            len(a) + len(b) + 8, False)
        return ids[:n]

    def encode_batch(self, texts: Sequence[str], *, add_special: bool = False,
                     special_as_text: bool = False, n_threads: int = 0) -> List[List[int]]:
        """Encodes many texts on ``n_threads`` threads (0: one per core)."""
        data = [t.encode("utf-8") for t in texts]
        n = len(data)
        arr = (ctypes.c_char_p * max(n, 1))(*data)
        lens = (ctypes.c_size_t * max(n, 1))(*[len(d) for d in data])
        ids = ctypes.POINTER(_ffi.tabllm_token)()
        starts = ctypes.POINTER(ctypes.c_size_t)()
        check(_ffi.tabllm_tokenizer_encode_batch(self._h, arr, lens, n, _tokenize_flags(add_special, special_as_text),
                                                 n_threads, ctypes.byref(ids), ctypes.byref(starts)))
        try:
            return [ids[starts[i]:starts[i + 1]] for i in range(n)]
        finally:
            _ffi.tabllm_free(ids)
            _ffi.tabllm_free(starts)

    def count_tokens(self, text: str) -> int:
        """The number of tokens of ``text`` (no special tokens added)."""
        data = text.encode("utf-8")
        n = _ffi.tabllm_tokenizer_count_tokens(data, len(data), ctypes.cast(self._h, ctypes.c_void_p))
        if n == ctypes.c_size_t(-1).value:
            raise error_from_status(_ffi.tabllm_last_status())
        return n

    def _c_token_counter(self) -> Tuple[Any, Any]:
        """The C counter and its user data, for Table.encode(count_tokens=tokenizer)."""
        return (ctypes.cast(_ffi.tabllm_tokenizer_count_tokens, _ffi.tabllm_token_count_fn),
                ctypes.cast(self._h, ctypes.c_void_p))

    # ---------------------------------------------------------------- decode
    def decode(self, ids: Sequence[int], *, skip_special: bool = False) -> str:
        """The text of ``ids`` as Hugging Face's ``decode`` gives it."""
        n = len(ids)
        arr = (_ffi.tabllm_token * max(n, 1))(*ids)
        flags = _ffi.TABLLM_DECODE_SKIP_SPECIAL if skip_special else 0
        cap = 8 * n + 16
        length = ctypes.c_size_t()
        while True:
            buf = ctypes.create_string_buffer(cap)
            st = _ffi.tabllm_tokenizer_decode(self._h, arr, n, flags, buf, cap, ctypes.byref(length))
            if st == _ffi.TABLLM_ERR_BUFFER_TOO_SMALL and length.value + 1 > cap:
                cap = length.value + 1
                continue
            check(st)
            return buf.raw[:length.value].decode("utf-8")

    def decode_stream(self, *, skip_special: bool = False) -> "DecodeStream":
        """A stream that turns ids into text one at a time, never splitting a
        character (Hugging Face's DecodeStream)."""
        return DecodeStream(self, skip_special)

    # ---------------------------------------------------------------- vocabulary
    def id_to_token(self, token_id: int) -> Optional[str]:
        """The token text of an id as tokenizer.json writes it ("Ġthe"); None if unknown."""
        s = string_at(_ffi.tabllm_tokenizer_id_to_token(self._h, token_id))
        return None if s is None else s.decode("utf-8")

    def token_to_id(self, token: str) -> int:
        """The id of a token text (raises NotFound)."""
        data = token.encode("utf-8")
        out = _ffi.tabllm_token()
        check(_ffi.tabllm_tokenizer_token_to_id(self._h, data, len(data), ctypes.byref(out)))
        return out.value

    @property
    def vocab_size(self) -> int:
        """The largest id + 1."""
        return _ffi.tabllm_tokenizer_vocab_size(self._h)

    def __len__(self) -> int:
        return self.vocab_size

    def _special(self, which: int) -> Optional[int]:
        v = _ffi.tabllm_tokenizer_special_id(self._h, which)
        return None if v < 0 else v

    @property
    def bos_id(self) -> Optional[int]:
        return self._special(_ffi.TABLLM_SPECIAL_BOS)

    @property
    def eos_id(self) -> Optional[int]:
        return self._special(_ffi.TABLLM_SPECIAL_EOS)

    @property
    def pad_id(self) -> Optional[int]:
        return self._special(_ffi.TABLLM_SPECIAL_PAD)

    @property
    def unk_id(self) -> Optional[int]:
        return self._special(_ffi.TABLLM_SPECIAL_UNK)

    def is_special(self, token_id: int) -> bool:
        """True when decoding with ``skip_special`` leaves ``token_id`` out."""
        return bool(_ffi.tabllm_tokenizer_is_special(self._h, token_id))

    def apply_chat_template(self, messages: Sequence[Any], *, add_generation_prompt: bool = False) -> str:
        """Renders this tokenizer's chat template (from tokenizer_config.json)
        over ``[{"role": ..., "content": ...}, ...]`` with its bos/eos tokens.
        Raises NotFound when it has none; see :func:`tabllm.render_chat` for
        templates of your own."""
        from .chat import render_tokenizer_chat
        return render_tokenizer_chat(self, messages, add_generation_prompt=add_generation_prompt)

    def _repr_state(self) -> str:
        return f"vocab_size={self.vocab_size}"


class DecodeStream(Handle):
    """Incremental decoding; see :meth:`Tokenizer.decode_stream`. Holds its
    tokenizer. One thread at a time."""

    _free = _ffi.tabllm_decode_stream_free

    def __init__(self, tokenizer: Tokenizer, skip_special: bool = False):
        out = _ffi.tabllm_decode_stream_p()
        flags = _ffi.TABLLM_DECODE_SKIP_SPECIAL if skip_special else 0
        check(_ffi.tabllm_decode_stream_new(tokenizer._h, flags, ctypes.byref(out)))
        super().__init__(out, tokenizer)

    def step(self, token_id: int) -> str:
        """Adds one id; returns the text it completes (often "" mid-character)."""
        cap = 64
        length = ctypes.c_size_t()
        while True:
            buf = ctypes.create_string_buffer(cap)
            st = _ffi.tabllm_decode_stream_step(self._h, token_id, buf, cap, ctypes.byref(length))
            if st == _ffi.TABLLM_ERR_BUFFER_TOO_SMALL and length.value + 1 > cap:
                cap = length.value + 1  # the id was not consumed; try again
                continue
            check(st)
            return buf.raw[:length.value].decode("utf-8")
