"""The output contract: the packaged schema, validation errors and the wheel's resources."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import annotate_text
from jsonschema import Draft202012Validator

from pipeline.errors import Errors, InputError
from pipeline.resources import schema
from pipeline.write import to_record, validate

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    doc = annotate_text("A title\n\nThe industry淘汰 (elimination) was fast.")
    return to_record(doc)


def test_schema_is_valid_draft_2020_12() -> None:
    packaged = schema()
    Draft202012Validator.check_schema(packaged)
    assert packaged["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert packaged["$id"]
    assert packaged["version"]


def test_good_record_validates(record: dict[str, Any]) -> None:
    validate(record)


@pytest.mark.parametrize("key", ["clean_text", "fragments", "offset_unit", "id"])
def test_missing_key_is_e012(record: dict[str, Any], key: str) -> None:
    broken = copy.deepcopy(record)
    del broken[key]
    with pytest.raises(InputError) as caught:
        validate(broken)
    assert caught.value.code is Errors.E012


def test_wrong_offset_unit_is_e012(record: dict[str, Any]) -> None:
    broken = copy.deepcopy(record)
    broken["offset_unit"] = "utf-16"
    with pytest.raises(InputError) as caught:
        validate(broken)
    assert caught.value.code is Errors.E012
    assert "offset_unit" in caught.value.message


def test_wheel_ships_resources(tmp_path: Path) -> None:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), "-q"],
        cwd=ROOT, check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for resource in ("schema/annotated.schema.json", "jieba_userdict.txt", "glossary.tsv",
                     "boilerplate.json", "gazetteer/tech.jsonl", "gazetteer/finance.jsonl",
                     "gazetteer/data_providers.jsonl", "gazetteer/not_companies.jsonl"):
        assert f"pipeline/resources/{resource}" in names, resource
    assert "pipeline/core.py" in names
    print(f"wheel built in {time.monotonic() - started:.1f}s")


def test_the_fast_validator_agrees_with_the_reference_implementation(
        record: dict[str, Any]) -> None:
    """Outputs are checked with jsonschema-rs; the reference ``jsonschema`` package must
    reach the same verdict on good records and on each kind of broken one."""
    reference = Draft202012Validator(schema())
    outputs = sorted((ROOT / "outputs" / "example").glob("*.json"))
    good = [record, *(json.loads(path.read_text(encoding="utf-8")) for path in outputs)]
    broken = []
    for change in (lambda r: r.pop("clean_map"), lambda r: r.update(offset_unit="utf-16"),
                   lambda r: r["source"].update(sha256="xyz"),
                   lambda r: r["fragments"][0].update(start=-1),
                   lambda r: r["fragments"][0].update(script="klingon"),
                   lambda r: r.update(extra=1), lambda r: r["meta"].update(published="5 May")):
        copied = copy.deepcopy(record)
        change(copied)
        broken.append(copied)
    for candidate in good:
        assert reference.is_valid(candidate)
        validate(candidate)
    for candidate in broken:
        assert not reference.is_valid(candidate)
        with pytest.raises(InputError):
            validate(candidate)
