"""Chat templates: render a model's Jinja chat template over a conversation,
byte for byte as Hugging Face's renderer does."""
from __future__ import annotations

import ctypes
import datetime as _dt
import json
from typing import Any, Mapping, Optional, Sequence, Union

from . import _ffi
from .errors import check

Messages = Sequence[Mapping[str, Any]]


def _params(add_generation_prompt: bool, bos_token: Optional[str], eos_token: Optional[str],
            now: Union[None, int, float, _dt.datetime], variables: Mapping[str, Any],
            limits: Mapping[str, int]) -> Any:
    p = _ffi.tabllm_chat_params()
    check(_ffi.tabllm_chat_params_init(ctypes.byref(p), ctypes.sizeof(p)))
    if add_generation_prompt:
        p.flags |= _ffi.TABLLM_CHAT_ADD_GENERATION_PROMPT
    if bos_token is not None:
        p.bos_token = bos_token.encode("utf-8")
    if eos_token is not None:
        p.eos_token = eos_token.encode("utf-8")
    if variables:
        p.context_json = json.dumps(dict(variables)).encode("utf-8")
    if now is not None:
        p.now = int(now.timestamp() if isinstance(now, _dt.datetime) else now)
    for k, v in limits.items():
        if k not in ("max_template_bytes", "max_depth", "max_loop_iterations", "max_output_bytes",
                     "max_memory_bytes"):
            raise TypeError(f"unknown limit {k!r}")
        setattr(p, k, v)
    return p


def _take(out: Any, n: ctypes.c_size_t) -> str:
    try:
        return ctypes.string_at(out, n.value).decode("utf-8")
    finally:
        _ffi.tabllm_free(out)


def render_chat(template: str, messages: Messages, *, add_generation_prompt: bool = False,
                bos_token: Optional[str] = None, eos_token: Optional[str] = None,
                now: Union[None, int, float, _dt.datetime] = None,
                variables: Optional[Mapping[str, Any]] = None, **limits: int) -> str:
    """Renders a Jinja chat template (e.g. tokenizer_config.json's
    ``chat_template``) over ``messages``, a list of dicts as transformers
    takes them (``{"role": "user", "content": "Hi"}``, plus any fields the
    template reads: ``tool_calls``, content as a list of parts, ...).

    ``variables`` adds template variables (``tools``, ``enable_thinking``,
    ``date_string``...); ``now`` fixes the time ``strftime_now()`` shows; the
    keywords ``max_template_bytes``, ``max_depth``, ``max_loop_iterations``,
    ``max_output_bytes``, ``max_memory_bytes`` tighten the limits.

    Raises FormatError (template syntax, with line:column), Unsupported (a
    construct outside the supported Jinja subset), InvalidArgument (the
    template's raise_exception(), with its message), LimitExceeded.
    """
    p = _params(add_generation_prompt, bos_token, eos_token, now, variables or {}, limits)
    out = ctypes.POINTER(ctypes.c_char)()
    n = ctypes.c_size_t()
    check(_ffi.tabllm_chat_template_render_json(
        template.encode("utf-8"), json.dumps(list(messages)).encode("utf-8"), ctypes.byref(p),
        ctypes.byref(out), ctypes.byref(n)))
    return _take(out, n)


def render_tokenizer_chat(tokenizer: Any, messages: Messages, *, add_generation_prompt: bool = False) -> str:
    """Renders the tokenizer's own chat template (tabllm_chat_render) with its
    bos/eos tokens; messages are ``{"role": ..., "content": ...}`` dicts."""
    n = len(messages)
    arr = (_ffi.tabllm_chat_message * max(n, 1))()
    for i, m in enumerate(messages):
        arr[i].role = str(m["role"]).encode("utf-8")
        c = m.get("content")
        arr[i].content = None if c is None else str(c).encode("utf-8")
    out = ctypes.POINTER(ctypes.c_char)()
    size = ctypes.c_size_t()
    flags = _ffi.TABLLM_CHAT_ADD_GENERATION_PROMPT if add_generation_prompt else 0
    check(_ffi.tabllm_chat_render(tokenizer._h, arr, n, flags, ctypes.byref(out), ctypes.byref(size)))
    return _take(out, size)
