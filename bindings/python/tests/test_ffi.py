"""The generated declarations agree with tabllm.h and with the C compiler."""
import ctypes
import os
import shutil
import subprocess

import pytest

import cheader  # bindings/tools, put on sys.path by conftest
from tabllm import _ffi


@pytest.fixture(scope="module")
def header(request):
    root = request.getfixturevalue("source_root")
    return cheader.parse_file(str(root / "include" / "tabllm.h"))


def test_every_header_function_is_declared_with_its_arity(header):
    for f in header.functions:
        fn = getattr(_ffi, f.name)
        assert fn.__name__ == f.name
        assert len(fn.argtypes) == len(f.params), f.name
        # A returned pointer must never be the default (int) restype, which truncates.
        if f.ret.depth:
            assert fn.restype not in (ctypes.c_int, None), f.name
        assert f.prototype.split("(")[0].split()[-1].lstrip("*") == f.name


def test_no_declaration_the_header_lacks(header):
    names = {f.name for f in header.functions}
    declared = {n for n, v in vars(_ffi).items() if n.startswith("tabllm_") and hasattr(v, "argtypes")
                and not isinstance(v, type)}
    assert declared == names


def test_handles_use_one_pointer_type(header):
    for name, _ in header.opaques:
        ptr = getattr(_ffi, name + "_p")
        for f in header.functions:
            for p, at in zip(f.params, getattr(_ffi, f.name).argtypes):
                if p.type.base == name and p.type.depth == 1:
                    assert at is ptr, (f.name, p.name)


@pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None, reason="no C compiler")
def test_struct_layouts_and_constants_match_the_c_compiler(header, tmp_path, source_root):
    src = tmp_path / "probe.c"
    src.write_text(cheader.probe_source(header))
    exe = tmp_path / "probe"
    # Only the header: the probe asserts every function's type at compile time.
    subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-Wall", "-Werror",
                    "-I", str(source_root / "include"), str(src), "-o", str(exe)], check=True)
    facts = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split("\n")
    checked = 0
    for line in filter(None, facts):
        kind, *rest = line.split()
        if kind == "S":
            name, size, align = rest
            cls = getattr(_ffi, name)
            assert (ctypes.sizeof(cls), ctypes.alignment(cls)) == (int(size), int(align)), name
        elif kind == "F":
            name, field, off, size = rest
            desc = getattr(getattr(_ffi, name), field)
            assert (desc.offset, desc.size) == (int(off), int(size)), f"{name}.{field}"
        elif kind == "C":
            name, value = rest
            if name.endswith("_MAX_ENUM_"):
                continue
            assert getattr(_ffi, name) == int(value), name
        checked += 1
    assert checked > 50


def test_a_misspelt_struct_field_raises():
    p = _ffi.tabllm_encode_params()
    p.max_rows = 3
    with pytest.raises(AttributeError):
        p.max_row = 3
