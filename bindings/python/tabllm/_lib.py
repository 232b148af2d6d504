"""Finds and loads libtabllm, and provides the declaration decorator.

Search order (the first that loads wins):

1. ``$TABLLM_LIBRARY``: a path to the shared object (or a directory holding
   ``libtabllm.so.1``). When set, nothing else is tried.
2. A build tree: walking up from this file, the first ``build/lib/libtabllm.so.1``
   (so the package works from a source checkout after ``ninja -C build``).
3. The system: the versioned soname ``libtabllm.so.1`` through the dynamic
   loader's path, then whatever ``ctypes.util.find_library("tabllm")`` finds
   (which may be the unversioned development symlink).

The library's ``tabllm_abi_version()`` must be ``ABI_VERSION``; otherwise the
import fails rather than calling functions whose signatures may differ.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from typing import Any, Callable, List, Optional, Sequence, Tuple

#: The ABI these bindings were generated for (TABLLM_ABI_VERSION in tabllm.h).
ABI_VERSION = 1
SONAME = f"libtabllm.so.{ABI_VERSION}"


class LibraryNotFoundError(ImportError):
    """libtabllm could not be loaded; ``tried`` lists each place and why."""

    def __init__(self, tried: Sequence[Tuple[str, str]]):
        self.tried = list(tried)
        lines = "\n".join(f"  {where}: {why}" for where, why in self.tried)
        super().__init__(
            "libtabllm could not be loaded. Looked in:\n" + lines
            + "\nSet TABLLM_LIBRARY to the path of libtabllm.so.1, or install the library.")


def _candidates() -> List[Tuple[str, str]]:
    """(description, path-or-name) in search order."""
    env = os.environ.get("TABLLM_LIBRARY")
    if env:
        path = os.path.join(env, SONAME) if os.path.isdir(env) else env
        return [("TABLLM_LIBRARY", path)]
    out: List[Tuple[str, str]] = []
    d = os.path.dirname(os.path.abspath(__file__))
    seen = set()
    while True:
        p = os.path.join(d, "build", "lib", SONAME)
        if p not in seen:
            seen.add(p)
            out.append(("build tree", p))
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    out.append(("system soname", SONAME))
    found = ctypes.util.find_library("tabllm")
    out.append(("ctypes.util.find_library('tabllm')", found or ""))
    return out


def _load() -> ctypes.CDLL:
    tried: List[Tuple[str, str]] = []
    for how, target in _candidates():
        if not target:
            tried.append((how, "nothing found"))
            continue
        if os.sep in target and not os.path.exists(target):
            tried.append((target, "no such file"))
            continue
        try:
            lib = ctypes.CDLL(target)
        except OSError as e:
            tried.append((f"{target} ({how})", str(e)))
            continue
        try:
            fn = lib.tabllm_abi_version
        except AttributeError:
            tried.append((f"{target} ({how})", "not libtabllm: no tabllm_abi_version"))
            continue
        fn.argtypes = []
        fn.restype = ctypes.c_uint32
        abi = fn()
        if abi != ABI_VERSION:
            tried.append((f"{target} ({how})", f"ABI version {abi}, these bindings need {ABI_VERSION}"))
            continue
        return lib
    raise LibraryNotFoundError(tried)


lib: ctypes.CDLL = _load()
#: Where the library was loaded from.
path: str = lib._name


def ctypes_function(name: str, argtypes: List[Any], restype: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declares C function ``name`` once: sets argtypes/restype on the foreign
    function and returns it in place of the typed Python stub (whose name,
    signature and docstring it takes over).

    A function the loaded library does not export (an older library of the
    same ABI) becomes a stub that raises ``NotImplementedError`` when called,
    so the rest of the package keeps working.
    """
    def decorator(stub: Callable[..., Any]) -> Any:
        try:
            fn = getattr(lib, name)
        except AttributeError:
            @functools.wraps(stub)
            def missing(*_args: Any) -> Any:
                raise NotImplementedError(f"{path} does not export {name} (an older libtabllm?)")
            missing.argtypes = argtypes  # type: ignore[attr-defined]
            missing.restype = restype  # type: ignore[attr-defined]
            missing.exported = False  # type: ignore[attr-defined]
            return missing
        fn.argtypes = argtypes
        fn.restype = restype
        functools.wraps(stub)(fn)
        return fn
    return decorator


def string_at(ptr: Optional[int], size: int = -1) -> Optional[bytes]:
    """Bytes at a C pointer the library returned (None for NULL)."""
    if not ptr:
        return None
    return ctypes.string_at(ptr, size)
