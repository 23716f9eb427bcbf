"""Fixtures for the store tests: every database test runs on TinyDB's MemoryStorage and on our
on-disk AtomicJSONStorage (as TinyDB's own tests do)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tinydb.storages import MemoryStorage

from cft_desktop.store.records import Records


@pytest.fixture(params=["memory", "disk"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Records]:
    on_disk = request.param == "disk"
    store = Records.open(tmp_path / "ratings.json") if on_disk else Records(MemoryStorage())
    yield store
    store.close()


@pytest.fixture
def disk_records(tmp_path: Path) -> Iterator[Records]:
    store = Records.open(tmp_path / "ratings.json")
    yield store
    store.close()
