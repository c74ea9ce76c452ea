"""The fake API (tests/support/fake_api.py), served once for every local test that asks for `api`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_api import FakeApi, start_fake_api


@pytest.fixture(scope="package")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeApi]:
    with start_fake_api(tmp_path_factory.mktemp("fake-api")) as served:
        yield served
