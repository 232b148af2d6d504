"""The lifetime of a C handle, shared by every wrapper class.

A handle is freed exactly once: by ``close()``, by leaving a ``with`` block,
when the object is garbage-collected, or at interpreter exit, whichever comes
first (``weakref.finalize`` guarantees the at-most-once part). A wrapper keeps
a Python reference to the wrappers it depends on (a session to its model), so
a parent outlives its children on the Python side as well.

Closing a parent while children (or borrowed views such as logits arrays)
are alive makes the parent unusable at once but defers the C free until the
last of them is gone. The C library reference-counts models for sessions and
adapters, but not everything (a decode stream must be freed before its
tokenizer), so the bindings never rely on it.
"""
from __future__ import annotations

import threading
import weakref
from collections import Counter
from typing import Any, Callable, ClassVar, Dict, Optional, Tuple

_live: Counter = Counter()
_live_lock = threading.Lock()


def live_handles() -> Dict[str, int]:
    """How many handles of each class are currently allocated (for leak tests)."""
    with _live_lock:
        return {k: v for k, v in _live.items() if v}


def _release(free: Callable[[Any], None], ptr: Any, kind: str, parents: Tuple["Handle", ...]) -> None:
    free(ptr)
    with _live_lock:
        _live[kind] -= 1
    for p in parents:  # a parent closed while we lived may be freed now
        p._child_gone()


class Handle:
    """Base class of the wrappers: owns one C pointer."""

    #: The C destructor (tabllm_X_free), set by each subclass.
    _free: ClassVar[Callable[[Any], None]]

    __slots__ = ("_ptr", "_finalizer", "_parents", "_children", "__weakref__")

    def __init__(self, ptr: Any, *parents: "Handle"):
        if not ptr:
            raise ValueError("NULL handle")
        self._ptr = ptr
        self._parents = parents
        self._children: "weakref.WeakSet[Any]" = weakref.WeakSet()
        for p in parents:
            p._children.add(self)
        kind = type(self).__name__
        with _live_lock:
            _live[kind] += 1
        # The finalizer holds the free function, the pointer and the parents,
        # never `self`; it runs once, on close() or when `self` is collected.
        self._finalizer = weakref.finalize(self, _release, type(self)._free, ptr, kind, parents)

    def close(self) -> None:
        """Frees the C object now, or, while objects depending on it are
        alive, as soon as the last of them is gone. Further use raises
        ValueError; closing again is a no-op."""
        if self._ptr is None:
            return
        self._ptr = None
        self._free_if_unused()

    def _free_if_unused(self) -> None:
        if self._ptr is None and self._finalizer.alive and not self._has_children():
            for p in self._parents:
                p._children.discard(self)
            self._finalizer()

    def _has_children(self) -> bool:
        # Iterating a WeakSet yields live objects only, even inside the weakref
        # callback of one that is dying (len() may still count it then).
        for _ in self._children:
            return True
        return False

    def _child_gone(self, _unused: Any = None) -> None:
        self._free_if_unused()

    def _borrow(self, view_owner: Any) -> None:
        """Registers an object (e.g. the base of a NumPy view of C memory)
        that must keep this handle's memory alive."""
        self._children.add(view_owner)
        # When it dies, a deferred close can complete.
        weakref.finalize(view_owner, self._child_gone)

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
