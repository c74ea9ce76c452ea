"""Fixtures shared by the unit and integration tests.

Every test gets a clean environment (monkeypatched), fresh process-wide singletons (the `lru_cache`d settings,
DynamoDB client, services), and, when it asks for `table`, an in-memory moto table built from template.yaml.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest
from argon2 import PasswordHasher
from moto import mock_aws

from oauth_authz import clock, secretbox, settings, tokens
from oauth_authz.app_secrets import hash_secret
from oauth_authz.models.domain import PERSONAL_APP_URL, App, Authorization, ClientSecret, IssuedToken, User
from oauth_authz.observability import metrics
from oauth_authz.service import (
    app_tokens,
    authentication,
    authorizations,
    developer_apps,
    device_flow,
    grants,
    oauth_web_flow,
    refresh,
    sessions,
)
from oauth_authz.service.accounts import Accounts
from oauth_authz.store import table as store_table
from oauth_authz.store.repository import Repository
from oauth_authz_local.constants import REGION
from tests.support.data import (
    EVENT_APP_NAME,
    EVENT_APP_URL,
    EVENT_CLIENT_ID,
    EVENT_CLIENT_SECRET,
    HUBOT_ID,
    HUBOT_LOGIN,
    OCTOCAT_ID,
    OCTOCAT_LOGIN,
    OCTOCAT_PASSWORD,
    TABLE_NAME,
)
from tests.support.lambdas import (
    FakeLambdaContext,
    HttpResult,
    assert_github_headers,
    load_handler,
    to_result,
)
from tests.support.reliability import ReliabilityReport
from tests.support.tables import TableView, create_table

# Powertools reads these when `oauth_authz.observability` is first imported, which happens while the tests
# are collected, before any fixture runs; the `environment` fixture sets them again for every test.
POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "oauth-authz",
    "POWERTOOLS_METRICS_NAMESPACE": "OauthAuthz",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
# Settings a test sets on purpose; never inherited from the shell running the tests.
OPTIONAL_ENV = (
    "ALLOWED_SCOPES",
    "MAX_TOKEN_LIFETIME_SECONDS",
    "LOCKOUT_THRESHOLD",
    "LOCKOUT_WINDOW_SECONDS",
    "AUTH_CACHE_SECONDS",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "TOTP_KMS_KEY_ID",
    "TOTP_LOCAL_KEY",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="also run the tests marked `long` (the reliability load, crash and HTTP fuzzing runs)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for name, value in POWERTOOLS_ENV.items():
        os.environ.setdefault(name, value)
    # Powertools warns on every invocation that publishes no metric (every read); that is not news.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")


_report = ReliabilityReport()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `long` are opt-in (`--long`, which `make reliability` passes)."""
    if config.getoption("--long"):
        return
    deselected = [item for item in items if item.get_closest_marker("long")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("long")]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "reliability" in report.keywords and (report.when == "call" or report.failed):
        _report.outcome(report)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _report.lines or _report.failed:
        terminalreporter.section("reliability summary")
        for line in _report.render():
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def reliability_report() -> ReliabilityReport:
    """What the reliability tests tried (printed at the end of the run)."""
    return _report


SINGLETONS: list[Callable[..., Any]] = [
    settings.get_settings,
    store_table.dynamodb_client,
    authorizations.authorization_service,
    authentication.authenticator,
    grants.grant_service,
    app_tokens.app_token_service,
    oauth_web_flow.web_flow,
    device_flow.device_flow,
    refresh.refresher,
    sessions.sessions,
    secretbox._kms,  # the KMS client that opens TOTP seeds
    developer_apps.developer_apps,
]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The functions' environment as the template gives it, with dummy AWS credentials (moto only)."""
    values = {
        "TABLE_NAME": TABLE_NAME,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        **POWERTOOLS_ENV,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    for name in OPTIONAL_ENV:
        monkeypatch.delenv(name, raising=False)
    return values


@pytest.fixture(autouse=True)
def fresh_singletons() -> Iterator[None]:
    """Clear the cold-start caches around every test: settings, client and services see this test's world."""
    for cached in SINGLETONS:
        cached.cache_clear()  # type: ignore[attr-defined]
    metrics.clear_metrics()
    yield
    for cached in SINGLETONS:
        cached.cache_clear()  # type: ignore[attr-defined]
    metrics.clear_metrics()


# ------------------------------------------------------------------------------------------------- table


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """moto for one test module at a time (it never outlives the module, so other modules' tests, the local
    API's among them, never meet it). boto3's default session is kept (no reset per test): clients are then
    cheap to create, and the environment fixture gives every test the same credentials and region."""
    with mock_aws(config={"core": {"reset_boto3_session": False}}):
        yield


@pytest.fixture
def table(aws: None, environment: dict[str, str]) -> Iterator[TableView]:
    """An empty moto table shaped by template.yaml (STYLE habit 13), made for each test, dropped after."""
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client, TABLE_NAME)
    yield TableView(client, TABLE_NAME)
    client.delete_table(TableName=TABLE_NAME)


@pytest.fixture
def repository(table: TableView) -> Repository:
    return Repository(table.name)


@pytest.fixture
def accounts(repository: Repository) -> Accounts:
    return Accounts(repository)


@pytest.fixture(scope="session")
def password_hash() -> str:
    """An argon2id hash of octocat's password, made cheap to verify.

    argon2 reads its cost from the hash, and the product's cost (64 MiB, 3 passes) makes every verification
    take ~50 ms or more; the users the fixtures write carry a low-cost argon2id hash of the same password so
    the authorizer tests stay fast. `tests/unit/test_passwords.py` checks the product's own parameters.
    """
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(OCTOCAT_PASSWORD)


def _user(repository: Repository, user_id: int, login: str, password_hash: str) -> User:
    user = User(id=user_id, login=login, created_at=clock.now(), password_hash=password_hash)
    repository.create_user(user)
    return user


@pytest.fixture
def octocat(repository: Repository, password_hash: str) -> User:
    """The user every event is signed in as: id 1, `octocat`, password `hunter2-correct-horse`."""
    return _user(repository, OCTOCAT_ID, OCTOCAT_LOGIN, password_hash)


@pytest.fixture
def hubot(repository: Repository, password_hash: str) -> User:
    """Another user (same password), for the ownership rules."""
    return _user(repository, HUBOT_ID, HUBOT_LOGIN, password_hash)


@dataclass(frozen=True)
class RegisteredApp:
    app: App
    client_secret: str

    @property
    def client_id(self) -> str:
        return self.app.client_id


@pytest.fixture
def oauth_app(repository: Repository) -> RegisteredApp:
    """The OAuth app the events name: client_id `abcde12345fghij67890`, its secret in the PUT bodies."""
    app = App(
        client_id=EVENT_CLIENT_ID,
        id=1,
        name=EVENT_APP_NAME,
        url=EVENT_APP_URL,
        created_at=clock.now(),
        secrets=(ClientSecret(1, hash_secret(EVENT_CLIENT_SECRET), None, clock.now()),),
    )
    repository.create_app(app)
    return RegisteredApp(app, EVENT_CLIENT_SECRET)


@pytest.fixture
def make_app(accounts: Accounts) -> Callable[..., RegisteredApp]:
    """Register another OAuth app through the admin use case (random client_id and secret)."""

    def make(name: str = "Other App", url: str = "https://other.example.com") -> RegisteredApp:
        created = accounts.create_app(name, url)
        return RegisteredApp(created.app, created.client_secret)

    return make


# -------------------------------------------------------------------------------------------- functions


@pytest.fixture(scope="module")
def handlers() -> dict[str, ModuleType]:
    """Handler modules, loaded by file path once per test module."""
    return {}


@pytest.fixture
def invoke(handlers: dict[str, ModuleType]) -> Callable[[str, dict[str, Any]], HttpResult]:
    """`invoke(folder, event)`: run `functions/<folder>/app.lambda_handler` and read its answer as a client.

    Every answer is checked for GitHub's media-type header and a JSON Content-Type exactly when it has a body.
    """

    def run(folder: str, event: dict[str, Any]) -> HttpResult:
        if folder not in handlers:
            handlers[folder] = load_handler(folder)
        result = to_result(handlers[folder].lambda_handler(event, FakeLambdaContext(function_name=folder)))
        assert_github_headers(result)
        return result

    return run


@pytest.fixture
def authorize(handlers: dict[str, ModuleType]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`authorize(event)`: the REQUEST authorizer's answer (an IAM policy and a context)."""

    def run(event: dict[str, Any]) -> dict[str, Any]:
        if "authorizer" not in handlers:
            handlers["authorizer"] = load_handler("authorizer")
        answer: dict[str, Any] = handlers["authorizer"].lambda_handler(
            event, FakeLambdaContext(function_name="authorizer")
        )
        return answer

    return run


# ------------------------------------------------------------------------------------------------ clock


class FrozenClock:
    """`oauth_authz.clock.now` standing still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock(clock.now())
    monkeypatch.setattr(clock, "now", frozen)
    return frozen


@pytest.fixture
def write_personal_authorization(repository: Repository) -> Callable[..., IssuedToken]:
    """A personal authorization with a chosen id (the events name id 1), written as the service would."""

    def write(
        user: User, auth_id: int, note: str = "first token", scopes: list[str] | None = None
    ) -> IssuedToken:
        token = tokens.new_token(tokens.TokenKind.PERSONAL)
        moment = clock.now()
        auth = Authorization(
            id=auth_id,
            user_id=user.id,
            login=user.login,
            client_id=None,
            app_name=note,
            app_url=PERSONAL_APP_URL,
            scopes=list(scopes if scopes is not None else ["public_repo"]),
            hashed_token=tokens.hash_token(token),
            token_last_eight=tokens.last_eight(token),
            note=note,
            note_url=None,
            fingerprint=None,
            created_at=moment,
            updated_at=moment,
        )
        repository.create_authorization(auth)
        return IssuedToken(auth, token)

    return write
