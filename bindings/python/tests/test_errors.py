"""Statuses become exceptions with the library's message."""
import pickle

import pytest

import tabllm
from tabllm import _ffi, errors


@pytest.mark.parametrize("status,cls,builtin", [
    (_ffi.TABLLM_ERR_INVALID_ARGUMENT, tabllm.InvalidArgument, ValueError),
    (_ffi.TABLLM_ERR_OUT_OF_MEMORY, tabllm.OutOfMemory, MemoryError),
    (_ffi.TABLLM_ERR_IO, tabllm.IOFailure, OSError),
    (_ffi.TABLLM_ERR_FORMAT, tabllm.FormatError, ValueError),
    (_ffi.TABLLM_ERR_UNSUPPORTED, tabllm.Unsupported, tabllm.TabllmError),
    (_ffi.TABLLM_ERR_BUFFER_TOO_SMALL, tabllm.BufferTooSmall, tabllm.TabllmError),
    (_ffi.TABLLM_ERR_LIMIT_EXCEEDED, tabllm.LimitExceeded, tabllm.TabllmError),
    (_ffi.TABLLM_ERR_CANCELLED, tabllm.Cancelled, tabllm.TabllmError),
    (_ffi.TABLLM_ERR_INVALID_UTF8, tabllm.InvalidUTF8, UnicodeError),
    (_ffi.TABLLM_ERR_NOT_FOUND, tabllm.NotFound, LookupError),
    (_ffi.TABLLM_ERR_ABI_MISMATCH, tabllm.ABIMismatch, tabllm.TabllmError),
    (_ffi.TABLLM_ERR_INTERNAL, tabllm.InternalError, tabllm.TabllmError),
    (_ffi.TABLLM_ERR_TABLE_SHAPE, tabllm.TableShape, tabllm.TableError),
    (_ffi.TABLLM_ERR_SHAPE_MISMATCH, tabllm.ShapeMismatch, tabllm.ModelError),
    (_ffi.TABLLM_ERR_CONTEXT_FULL, tabllm.ContextFull, tabllm.ModelError),
    (_ffi.TABLLM_ERR_ADAPTER_MISMATCH, tabllm.AdapterMismatch, tabllm.AdapterError),
])
def test_each_status_has_its_class(status, cls, builtin):
    assert errors.error_class(status) is cls
    e = cls(status, "where: what")
    assert isinstance(e, tabllm.TabllmError) and isinstance(e, builtin)
    assert e.status == status and e.message == "where: what"
    assert e.status_name == tabllm.status_string(status)
    assert str(e) == f"where: what [{e.status_name}]"


def test_every_status_in_the_header_is_mapped():
    codes = [v for k, v in vars(_ffi).items() if k.startswith("TABLLM_ERR_")]
    for c in codes:
        assert errors.error_class(c) is not tabllm.TabllmError, c
    assert {int(s) for s in tabllm.Status} == set(codes) | {0}


def test_unknown_codes_fall_back_to_their_range():
    assert errors.error_class(99) is tabllm.TabllmError
    assert errors.error_class(150) is tabllm.TableError
    assert errors.error_class(250) is tabllm.TokenizerError
    assert errors.error_class(350) is tabllm.ModelError
    assert errors.error_class(450) is tabllm.AdapterError
    assert errors.error_class(550) is tabllm.TaskError


def test_exceptions_pickle():
    e = tabllm.FormatError(_ffi.TABLLM_ERR_FORMAT, "x.csv:3:4: stray quote")
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is tabllm.FormatError and e2.status == e.status and e2.message == e.message


def test_real_failures_carry_status_and_message(tmp_path):
    with pytest.raises(tabllm.IOFailure) as ei:
        tabllm.Table.load(tmp_path / "missing.csv")
    assert ei.value.status == tabllm.Status.IO
    assert str(tmp_path / "missing.csv") in ei.value.message and "No such file" in ei.value.message
    assert tabllm.last_error() == ei.value.message

    with pytest.raises(tabllm.TableShape) as ei:
        tabllm.Table.from_bytes("a,b\n1,2\n3,4,5\n", ragged="error")
    assert ei.value.status == 100 and ":3:" in ei.value.message and "3 fields" in ei.value.message

    with pytest.raises(tabllm.FormatError) as ei:
        tabllm.Table.from_bytes(b'[{"a": 1}, {"a": ', format="json")
    assert ei.value.status == tabllm.Status.FORMAT and ":1:" in ei.value.message

    with pytest.raises(tabllm.InvalidUTF8) as ei:
        tabllm.Table.from_bytes(b"a,b\n1,\xff\n")
    assert "offset" in ei.value.message or "byte" in ei.value.message

    with pytest.raises(tabllm.LimitExceeded):
        tabllm.Table.from_bytes("a,b\n" + "1,2\n" * 10, max_cells=5)

    t = tabllm.Table.from_rows(["a"], [[1]])
    with pytest.raises(tabllm.NotFound) as ei:
        t.encode("markdown", columns=["zzz"])
    assert "zzz" in ei.value.message
    with pytest.raises(tabllm.InvalidArgument):
        t.encode("template")  # no template text
    with pytest.raises(tabllm.InvalidArgument) as ei:
        t.append_row([1, 2])
    assert ei.value.status == tabllm.Status.INVALID_ARGUMENT and ei.value.message


def test_errors_are_per_thread():
    import threading
    seen = {}

    def work(name, path):
        try:
            tabllm.Table.load(path)
        except tabllm.TabllmError as e:
            seen[name] = (e.message, tabllm.last_error())

    ts = [threading.Thread(target=work, args=(f"t{i}", f"/nonexistent/{i}.csv")) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i in range(4):
        msg, last = seen[f"t{i}"]
        assert f"/nonexistent/{i}.csv" in msg and msg == last
