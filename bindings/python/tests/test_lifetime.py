"""Handles are freed exactly once, and nothing leaks.

The leak checks are real: they measure the process's resident memory over
10,000 create/encode/free cycles and compare the growth with what one table
costs, measured the same way, so a leak of even a tenth of a table per cycle
fails. A control test shows the measurement does see tables that are not freed.
"""
import ctypes
import gc
import os
import subprocess
import sys
import tracemalloc

import pytest

import tabllm
from tabllm import _ffi
from tabllm._handle import live_handles

CSV = ("id,name,score,flag,when,notes,a,b\n" + "".join(
    f"{i},name-{i:04d},{i * 1.25},{'true' if i % 2 else 'false'},2024-01-{i % 28 + 1:02d},"
    f"some free text for row {i},{i * 7},{-i}\n" for i in range(24))).encode()
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def test_close_is_idempotent_and_use_after_close_raises():
    t = tabllm.Table.from_bytes(CSV)
    assert not t.closed
    t.close()
    t.close()
    assert t.closed and "closed" in repr(t)
    with pytest.raises(ValueError, match="closed"):
        t.n_rows
    with pytest.raises(ValueError, match="closed"):
        t.encode()


def test_context_manager_frees():
    before = live_handles().get("Table", 0)
    with tabllm.Table.from_bytes(CSV) as t:
        assert live_handles()["Table"] == before + 1
        assert t.n_rows == 24
    assert t.closed and live_handles().get("Table", 0) == before


def _counting_subclass(calls):
    class CountingTable(tabllm.Table):
        def _free(ptr):  # noqa: N805 - a plain function stored on the class
            calls.append(ctypes.cast(ptr, ctypes.c_void_p).value)
            _ffi.tabllm_table_free(ptr)
    return CountingTable


def test_each_handle_is_freed_exactly_once():
    calls = []
    cls = _counting_subclass(calls)
    a = cls.from_bytes(CSV)
    a.close()
    a.close()
    del a
    gc.collect()
    b = cls.from_bytes(CSV)
    del b  # no close: the garbage collector frees it
    gc.collect()
    with cls.from_bytes(CSV) as c:
        pass
    c.close()
    del c
    gc.collect()
    assert len(calls) == 3 and all(calls)


def test_exception_during_construction_frees_the_half_built_table():
    before = live_handles().get("Table", 0)
    with pytest.raises(tabllm.InvalidArgument):
        tabllm.Table.from_rows(["a", "b"], [[1, 2], [3]])
    gc.collect()
    assert live_handles().get("Table", 0) == before


def test_handles_alive_at_exit_are_freed_once():
    code = (
        "import ctypes, tabllm\n"
        "from tabllm import _ffi\n"
        "freed = []\n"
        "class T(tabllm.Table):\n"
        "    def _free(p):\n"
        "        freed.append(1); _ffi.tabllm_table_free(p)\n"
        "        if len(freed) == 2: print('freed', len(freed), flush=True)\n"
        "keep = [T.from_rows(['a'], [[1]]), T.from_rows(['b'], [[2]])]\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "freed 2"


def _cycle(n: int) -> None:
    for _ in range(n):
        t = tabllm.Table.from_bytes(CSV)
        t.encode("markdown")
        t.close()
        u = tabllm.Table.from_records([{"x": 1, "y": "two"}])  # freed by the GC, not close()
        del u


def test_no_leak_over_10000_cycles():
    _cycle(500)  # warm up allocator arenas and ctypes caches
    gc.collect()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    r0 = rss()
    _cycle(10_000)
    gc.collect()
    grown = rss() - r0
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    py_grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))

    # What one table costs, measured the same way: 2,000 kept alive.
    r1 = rss()
    kept = [tabllm.Table.from_bytes(CSV) for _ in range(2000)]
    per_table = (rss() - r1) / 2000
    for k in kept:
        k.close()
    assert per_table > 1024, f"a table should cost > 1 KiB resident, measured {per_table:.0f} B"
    # A leak of a tenth of a table per cycle would grow by 1,000 tables' worth.
    limit = 1000 * per_table
    assert grown < limit, f"resident memory grew {grown} B over 10,000 cycles (limit {limit:.0f})"
    assert py_grown < 256 * 1024, f"Python allocations grew {py_grown} B"
    assert live_handles().get("Table", 0) == 0


def test_the_leak_check_sees_a_leak():
    # The control: the same cycle without freeing must exceed the limit above.
    _cycle(200)
    gc.collect()
    r0 = rss()
    leaked = []
    for _ in range(2000):
        out = _ffi.tabllm_table_p()
        assert _ffi.tabllm_table_from_memory(CSV, len(CSV), None, ctypes.byref(out)) == 0
        leaked.append(out)
    grown = rss() - r0
    for p in leaked:
        _ffi.tabllm_table_free(p)
    # 2,000 leaked tables are 20% of a 10,000-cycle run: twice the limit.
    r1 = rss()
    kept = [tabllm.Table.from_bytes(CSV) for _ in range(2000)]
    per_table = (rss() - r1) / 2000
    del kept
    assert grown > 0.2 * 10_000 * per_table * 0.5


def test_closing_a_parent_waits_for_its_children():
    # Two tables standing in for parent and child (a tokenizer and its decode
    # stream, a session and its logits views): the parent's C free waits
    # until the child is gone, whatever order they are closed or collected in.
    order = []

    def make(name):
        class T(tabllm.Table):
            def _free(ptr):  # noqa: N805
                order.append(name)
                _ffi.tabllm_table_free(ptr)
        T.__name__ = name
        return T

    Parent, Child = make("parent"), make("child")

    def raw():
        out = _ffi.tabllm_table_p()
        assert _ffi.tabllm_table_from_memory(CSV, len(CSV), None, ctypes.byref(out)) == 0
        return out

    parent = Parent(raw())
    child = Child(raw(), parent)
    parent.close()
    assert parent.closed and order == []          # unusable now, freed later
    with pytest.raises(ValueError):
        parent.n_rows
    assert child.n_rows == 24                     # the child still works
    child.close()
    assert order == ["child", "parent"]

    order.clear()
    parent = Parent(raw())
    child = Child(raw(), parent)
    parent.close()
    del child                                     # collected, not closed
    gc.collect()
    assert order == ["child", "parent"]

    order.clear()
    parent = Parent(raw())
    child = Child(raw(), parent)
    del parent                                    # the child's reference keeps it
    gc.collect()
    assert order == []
    del child
    gc.collect()
    assert order == ["child", "parent"]
