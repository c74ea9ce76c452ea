"""moto_backend.py adapts moto's own `transact_write_items` (5.2.5): pyproject pins moto to that minor
version, and this test says so when moto moves, so that an upgrade re-derives the adaptation instead of
silently running an old copy of moto's method against a newer backend."""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import version

from moto.dynamodb.models import DynamoDBBackend

from oauth_authz_local import moto_backend

# The method moto_backend.py was derived from: moto 5.2.5, moto/dynamodb/models/__init__.py.
ADAPTED_FROM_VERSION = "5.2.5"
ADAPTED_FROM_SHA256 = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"


def test_moto_is_the_version_whose_transaction_method_is_adapted() -> None:
    assert version("moto") == ADAPTED_FROM_VERSION, (
        f"moto moved to {version('moto')}: compare its DynamoDBBackend.transact_write_items with the copy in "
        "oauth_authz_local/moto_backend.py, carry the change over, then update this test"
    )


def test_motos_transaction_method_is_the_one_adapted() -> None:
    source = inspect.getsource(DynamoDBBackend.transact_write_items)
    assert hashlib.sha256(source.encode()).hexdigest() == ADAPTED_FROM_SHA256, (
        "moto's DynamoDBBackend.transact_write_items is not the one moto_backend.py was derived from"
    )


def test_the_embedded_store_runs_the_adapted_method() -> None:
    assert moto_backend.__doc__ is not None and ADAPTED_FROM_VERSION in moto_backend.__doc__
    adapted = [
        value
        for value in vars(moto_backend).values()
        if inspect.isclass(value) and issubclass(value, DynamoDBBackend) and value is not DynamoDBBackend
    ]
    assert adapted, "moto_backend defines no DynamoDBBackend subclass"
    assert all("transact_write_items" in vars(cls) for cls in adapted)
