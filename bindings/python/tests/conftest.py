"""Shared fixtures. Run through bindings/python/run-tests.sh BUILD_DIR, which
sets TABLLM_LIBRARY to the build's libtabllm.so.1 and PYTHONPATH to the package."""
import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SOURCE_ROOT = pathlib.Path(os.environ.get("TABLLM_SOURCE_ROOT", HERE.parents[2]))
sys.path.insert(0, str(SOURCE_ROOT / "bindings" / "tools"))


@pytest.fixture(scope="session")
def source_root() -> pathlib.Path:
    return SOURCE_ROOT


@pytest.fixture
def library_path() -> str:
    import tabllm
    return tabllm.library_path


@pytest.fixture
def people_csv(tmp_path: pathlib.Path) -> pathlib.Path:
    p = tmp_path / "people.csv"
    p.write_text("name,age,height,member,joined\n"
                 "Ada,36,1.65,true,2021-03-04\n"
                 "Linus,,1.8,false,2020-01-01\n"
                 "Grace,85,1.52,TRUE,2019-12-31\n", encoding="utf-8")
    return p
