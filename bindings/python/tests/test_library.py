"""Finding and loading the shared library, the ABI check, versions."""
import ctypes
import ctypes.util
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import tabllm


def run_python(code: str, env_update: dict, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_update)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=cwd)


def test_versions_agree_with_the_header():
    from tabllm import _ffi
    assert tabllm.version() == _ffi.TABLLM_VERSION_STRING
    assert tabllm.version_number() == _ffi.TABLLM_VERSION_NUMBER
    assert tabllm.abi_version() == _ffi.TABLLM_ABI_VERSION == tabllm.ABI_VERSION
    assert os.path.samefile(tabllm.library_path, os.environ["TABLLM_LIBRARY"])


def test_status_string():
    assert tabllm.status_string(tabllm.Status.OK) == "ok"
    assert tabllm.status_string(tabllm.Status.NOT_FOUND) != tabllm.status_string(tabllm.Status.IO)
    assert tabllm.status_string(4242) == "unknown status"


def test_missing_library_lists_every_place_it_looked(tmp_path):
    r = run_python("import tabllm", {"TABLLM_LIBRARY": str(tmp_path / "nope.so")})
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr
    assert str(tmp_path / "nope.so") in r.stderr and "no such file" in r.stderr


def test_search_without_override_names_build_tree_and_system(tmp_path):
    # A copy of the package outside any build tree, with no override: every
    # candidate fails and each is listed.
    pkg = pathlib.Path(tabllm.__file__).parent
    shutil.copytree(pkg, tmp_path / "tabllm", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"TABLLM_LIBRARY": "", "PYTHONPATH": str(tmp_path), "LD_LIBRARY_PATH": ""}
    r = run_python("import tabllm", env, cwd=tmp_path)
    if r.returncode == 0:
        pytest.skip("libtabllm is installed on this system, so the search succeeds")
    assert str(tmp_path / "build" / "lib" / "libtabllm.so.1") in r.stderr
    assert "libtabllm.so.1" in r.stderr and "find_library" in r.stderr


def test_directory_in_override_means_the_soname_inside_it():
    d = os.path.dirname(os.environ["TABLLM_LIBRARY"])
    r = run_python("import tabllm; print(tabllm.library_path)", {"TABLLM_LIBRARY": d})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("libtabllm.so.1")


def test_a_library_that_is_not_libtabllm_is_refused():
    libc = ctypes.util.find_library("c")
    r = run_python("import tabllm", {"TABLLM_LIBRARY": libc})
    assert r.returncode != 0 and "not libtabllm" in r.stderr


@pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None, reason="no C compiler")
def test_wrong_abi_version_is_refused(tmp_path):
    src = tmp_path / "fake.c"
    src.write_text("unsigned tabllm_abi_version(void) { return 2; }\n")
    so = tmp_path / "libtabllm.so.1"
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    r = run_python("import tabllm", {"TABLLM_LIBRARY": str(so)})
    assert r.returncode != 0
    assert "ABI version 2, these bindings need 1" in r.stderr
