"""What crosses HTTP: request bodies in, resources out (GitHub's shapes)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, model_validator
from pydantic.json_schema import SkipJsonSchema

MAX_NOTE = 1024
MAX_NOTE_URL = 2048
MAX_FINGERPRINT = 255
MAX_SCOPE = 100
MAX_SCOPES = 100


def _text(value: str) -> str:
    """Unicode text only: a NUL or an unpaired surrogate is refused here, not by the store."""
    if "\x00" in value:
        raise ValueError("NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("unpaired surrogate") from error
    return value


def _empty_is_absent(value: Any) -> Any:
    """A widely used client sends `"client_id": ""`: an empty string in an optional field means absent."""
    return None if value == "" else value


def http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("not an absolute http(s) URL")
    return value


Text = Annotated[StrictStr, AfterValidator(_text)]
OptionalText = Annotated[Text | None, BeforeValidator(_empty_is_absent)]
Note = Annotated[Annotated[Text, Field(max_length=MAX_NOTE)] | None, BeforeValidator(_empty_is_absent)]
NoteUrl = Annotated[
    Annotated[
        Text, Field(max_length=MAX_NOTE_URL, json_schema_extra={"format": "uri"}), AfterValidator(http_url)
    ]
    | None,
    BeforeValidator(_empty_is_absent),
]
Fingerprint = Annotated[
    Annotated[Text, Field(max_length=MAX_FINGERPRINT)] | None, BeforeValidator(_empty_is_absent)
]
Scope = Annotated[Text, Field(min_length=1, max_length=MAX_SCOPE)]
Scopes = Annotated[list[Scope] | None, Field(max_length=MAX_SCOPES)]


def is_fingerprint(value: str) -> bool:
    """The rules a fingerprint in a body follows, for one that comes in the path."""
    try:
        _text(value)
    except ValueError:
        return False
    return 0 < len(value) <= MAX_FINGERPRINT


class _Body(BaseModel):
    # GitHub ignores fields it does not know; so do we. Built on first use (`defer_build`), so that a cold
    # start builds only the models its function uses.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class CreateAuthorizationBody(_Body):
    scopes: Scopes = None
    note: Note = None
    note_url: NoteUrl = None
    client_id: Annotated[Annotated[Text, Field(max_length=20)] | None, BeforeValidator(_empty_is_absent)] = (
        None
    )
    client_secret: Annotated[
        Annotated[Text, Field(max_length=40)] | None, BeforeValidator(_empty_is_absent)
    ] = None
    fingerprint: Fingerprint = None


class GetOrCreateBody(_Body):
    client_secret: Annotated[Text, Field(min_length=1, max_length=40)]
    scopes: Scopes = None
    note: Note = None
    note_url: NoteUrl = None
    fingerprint: Fingerprint = None


class UpdateAuthorizationBody(_Body):
    """`null` clears note_url or fingerprint; an absent field or "" leaves it as it is."""

    scopes: Scopes = None
    add_scopes: Scopes = None
    remove_scopes: Scopes = None
    note: Note = None
    note_url: NoteUrl = None
    fingerprint: Fingerprint = None
    cleared: SkipJsonSchema[frozenset[str]] = Field(default=frozenset(), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _record_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = frozenset(k for k in ("note", "note_url", "fingerprint") if k in data and data[k] is None)
            data = {**data, "cleared": nulls}
        return data

    def scope_fields_given(self) -> list[str]:
        return [name for name in ("scopes", "add_scopes", "remove_scopes") if getattr(self, name) is not None]


class AccessTokenBody(_Body):
    """The token-in-the-body forms of the application endpoints (tokens stay out of URLs and access logs)."""

    access_token: StrictStr


class _Out(BaseModel):
    # Built on first use, like the bodies.
    model_config = ConfigDict(defer_build=True)


class AppOut(_Out):
    client_id: str
    name: str
    url: str


class SimpleUserOut(_Out):
    login: str
    id: int
    node_id: str
    avatar_url: str
    gravatar_id: str
    url: str
    html_url: str
    followers_url: str
    following_url: str
    gists_url: str
    starred_url: str
    subscriptions_url: str
    organizations_url: str
    repos_url: str
    events_url: str
    received_events_url: str
    type: str = "User"
    site_admin: bool = False


class PrivateUserOut(SimpleUserOut):
    """GitHub's `private-user` (GET /user): the fields that apply here, the others at GitHub's neutral
    values (no repositories, followers or plan on this service)."""

    user_view_type: str = "private"  # the discriminator of GitHub's answer: the user's own, private view
    name: str | None
    company: str | None = None
    blog: str | None = ""
    location: str | None = None
    email: str | None
    hireable: bool | None = None
    bio: str | None = None
    twitter_username: str | None = None
    public_repos: int = 0
    public_gists: int = 0
    followers: int = 0
    following: int = 0
    created_at: str
    updated_at: str
    private_gists: int = 0
    total_private_repos: int = 0
    owned_private_repos: int = 0
    disk_usage: int = 0
    collaborators: int = 0
    two_factor_authentication: bool


class EmailOut(_Out):
    """GitHub's `email` (GET /user/emails)."""

    email: str
    primary: bool
    verified: bool
    visibility: str | None


class RootOut(_Out):
    """GitHub's `root` (GET /): where the API's resources are, as URI templates."""

    current_user_url: str
    current_user_authorizations_html_url: str
    authorizations_url: str
    code_search_url: str
    commit_search_url: str
    emails_url: str
    emojis_url: str
    events_url: str
    feeds_url: str
    followers_url: str
    following_url: str
    gists_url: str
    hub_url: str
    issue_search_url: str
    issues_url: str
    keys_url: str
    label_search_url: str
    notifications_url: str
    organization_url: str
    organization_repositories_url: str
    organization_teams_url: str
    public_gists_url: str
    rate_limit_url: str
    repository_url: str
    repository_search_url: str
    current_user_repositories_url: str
    starred_url: str
    starred_gists_url: str
    topic_search_url: str
    user_url: str
    user_organizations_url: str
    user_repositories_url: str
    user_search_url: str


class AuthorizationOut(_Out):
    id: int
    url: str
    scopes: list[str]
    token: str
    token_last_eight: str
    hashed_token: str
    app: AppOut
    note: str | None
    note_url: str | None
    updated_at: str
    created_at: str
    fingerprint: str | None
    expires_at: str | None


class AuthorizationWithUserOut(AuthorizationOut):
    user: SimpleUserOut


class GrantOut(_Out):
    id: int
    url: str
    app: AppOut
    created_at: str
    updated_at: str
    scopes: list[str]


class ErrorDetailOut(_Out):
    resource: str
    field: str
    code: str
    message: str | None = None


class ErrorOut(_Out):
    message: str
    documentation_url: str


class ValidationErrorOut(_Out):
    message: str
    errors: list[ErrorDetailOut]
    documentation_url: str
