"""The lifetime of a C handle, shared by every wrapper class.

A handle is freed exactly once: by ``close()``, by leaving a ``with`` block,
when the object is garbage-collected, or at interpreter exit, whichever comes
first (``weakref.finalize`` guarantees the at-most-once part). A wrapper keeps
a Python reference to the wrappers it depends on (a session to its model), so
a parent outlives its children on the Python side as well; the C library
reference-counts parents too, so no order of frees is unsafe.
"""
from __future__ import annotations

import threading
import weakref
from collections import Counter
from typing import Any, Callable, ClassVar, Dict, Optional

_live: Counter = Counter()
_live_lock = threading.Lock()


def live_handles() -> Dict[str, int]:
    """How many handles of each class are currently allocated (for leak tests)."""
    with _live_lock:
        return {k: v for k, v in _live.items() if v}


def _release(free: Callable[[Any], None], ptr: Any, kind: str) -> None:
    free(ptr)
    with _live_lock:
        _live[kind] -= 1


class Handle:
    """Base class of the wrappers: owns one C pointer."""

    #: The C destructor (tabllm_X_free), set by each subclass.
    _free: ClassVar[Callable[[Any], None]]

    __slots__ = ("_ptr", "_finalizer", "_parents", "__weakref__")

    def __init__(self, ptr: Any, *parents: Any):
        if not ptr:
            raise ValueError("NULL handle")
        self._ptr = ptr
        self._parents = parents
        kind = type(self).__name__
        with _live_lock:
            _live[kind] += 1
        # The finalizer holds the free function and the pointer, never `self`.
        self._finalizer = weakref.finalize(self, _release, type(self)._free, ptr, kind)

    def close(self) -> None:
        """Frees the C object now. Further use raises ValueError; closing again is a no-op."""
        self._finalizer()
        self._ptr = None

    @property
    def closed(self) -> bool:
        return self._ptr is None

    @property
    def _h(self) -> Any:
        """The C pointer, for calls; ValueError once closed."""
        ptr = self._ptr
        if ptr is None:
            raise ValueError(f"{type(self).__name__} is closed")
        return ptr

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _repr_state(self) -> Optional[str]:
        return None

    def __repr__(self) -> str:
        if self._ptr is None:
            return f"<tabllm.{type(self).__name__} closed>"
        extra = self._repr_state()
        return f"<tabllm.{type(self).__name__}{' ' + extra if extra else ''}>"
