"""Authorizations: create, get-or-create, read, update and delete a user's tokens (SPEC sections 3-4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache

from oauth_authz import clock, ids, tokens
from oauth_authz.app_secrets import app_secret_matches
from oauth_authz.errors import ErrorCode, FieldError, NotFound, ValidationFailed
from oauth_authz.models.api import (
    CreateAuthorizationBody,
    GetOrCreateBody,
    UpdateAuthorizationBody,
    is_fingerprint,
)
from oauth_authz.models.domain import (
    PERSONAL_APP_URL,
    PERSONAL_CLIENT_ID,
    App,
    Authorization,
    Grant,
    GrantEntry,
    IssuedToken,
    Principal,
)
from oauth_authz.scopes import dedupe, unknown
from oauth_authz.service.retries import with_retries
from oauth_authz.settings import Settings, get_settings
from oauth_authz.store.repository import FINGERPRINT, NOTE, AppContext, Repository
from oauth_authz.store.table import WriteConflict

EXPIRING_TOKEN_LIFETIME = timedelta(seconds=28800)  # GitHub's: 8 hours
MAX_TOKENS_PER_SCOPE_SET = 10  # GitHub's: the 11th token for a user, app and scope set revokes the oldest
# GitHub answers a duplicate personal-token note with this field name; clients look for it.
NOTE_TAKEN = FieldError("description", ErrorCode.ALREADY_EXISTS)
FINGERPRINT_TAKEN = FieldError("fingerprint", ErrorCode.ALREADY_EXISTS)


class AuthorizationService:
    def __init__(self, repository: Repository, settings: Settings) -> None:
        self.repository = repository
        self.settings = settings

    # reads ---------------------------------------------------------------------------------------------

    def list_authorizations(self, user: Principal, client_id: str | None = None) -> list[Authorization]:
        moment = clock.now()
        if client_id == PERSONAL_CLIENT_ID:
            found = self.repository.list_personal_authorizations(user.user_id)
        else:
            found = self.repository.list_authorizations(user.user_id, client_id)
        return [auth for auth in found if not auth.is_expired(moment)]

    def get(self, user: Principal, auth_id: int) -> Authorization:
        auth = self.repository.get_authorization(user.user_id, auth_id)
        if auth is None or auth.is_expired(clock.now()):
            raise NotFound()
        return auth

    # create --------------------------------------------------------------------------------------------

    def create(self, user: Principal, body: CreateAuthorizationBody) -> IssuedToken:
        scopes = self._scopes(body.scopes)
        if body.client_id is None:
            if body.note is None:
                raise ValidationFailed(FieldError("note", ErrorCode.MISSING_FIELD))
            note = body.note
            return with_retries(
                lambda: self._create_personal(user, scopes, note, body.note_url, body.fingerprint)
            )
        if body.client_secret is None:
            raise ValidationFailed(FieldError("client_secret", ErrorCode.MISSING_FIELD))
        client_id, secret = body.client_id, body.client_secret

        def attempt() -> IssuedToken:
            context = self.repository.app_context(user.user_id, client_id, body.fingerprint)
            app = self._checked_app(context, secret)
            if context.existing_auth_id is not None:
                raise ValidationFailed(FINGERPRINT_TAKEN)
            try:
                return self._create_for_app(
                    user, app, context, scopes, body.note, body.note_url, body.fingerprint
                )
            except WriteConflict as conflict:
                if FINGERPRINT in conflict.parts:
                    raise ValidationFailed(FINGERPRINT_TAKEN) from None
                raise

        return with_retries(attempt)

    def get_or_create(
        self, user: Principal, client_id: str, fingerprint: str | None, body: GetOrCreateBody
    ) -> tuple[Authorization, IssuedToken | None]:
        """The user's authorization for (app, fingerprint), or a new one: (authorization, issued or None)."""
        scopes = self._scopes(body.scopes)
        if len(client_id) > 20:
            raise ValidationFailed(FieldError("client_id", ErrorCode.INVALID))
        if fingerprint is not None and not is_fingerprint(fingerprint):
            raise ValidationFailed(FieldError("fingerprint", ErrorCode.INVALID))

        def attempt() -> tuple[Authorization, IssuedToken | None]:
            context = self.repository.app_context(user.user_id, client_id, fingerprint)
            app = self._checked_app(context, body.client_secret)
            if context.existing_auth_id is not None:
                existing = self.repository.get_authorization(user.user_id, context.existing_auth_id)
                if existing is None:
                    raise WriteConflict({"fingerprint"})  # the claim's authorization is being deleted
                if not existing.is_expired(clock.now()):
                    return existing, None
                self.repository.delete_authorization(existing, clock.now())
                raise WriteConflict({"expired"})
            issued = self._create_for_app(user, app, context, scopes, body.note, body.note_url, fingerprint)
            return issued.authorization, issued

        return with_retries(attempt)

    def create_personal(
        self, user: Principal, note: str, scopes: list[str], expires_at: datetime | None
    ) -> IssuedToken:
        """A personal access token that expires at `expires_at` (None: never), or sooner where the operator
        caps token lifetimes: the settings pages' Generate, with the API's rules (note required and
        unique, known scopes)."""
        if not note:
            raise ValidationFailed(FieldError("note", ErrorCode.MISSING_FIELD))
        checked = self._scopes(scopes)
        return with_retries(lambda: self._create_personal(user, checked, note, None, None, expires_at))

    def _create_personal(
        self,
        user: Principal,
        scopes: list[str],
        note: str,
        note_url: str | None,
        fingerprint: str | None,
        expires_at: datetime | None = None,
    ) -> IssuedToken:
        token = tokens.new_token(tokens.TokenKind.PERSONAL)
        auth = self._new_authorization(
            user, token, None, note, PERSONAL_APP_URL, scopes, note, note_url, fingerprint
        )
        if expires_at is not None and (auth.expires_at is None or expires_at < auth.expires_at):
            auth = replace(auth, expires_at=expires_at)
        try:
            self.repository.create_authorization(auth)
        except WriteConflict as conflict:
            if NOTE in conflict.parts:
                raise ValidationFailed(NOTE_TAKEN) from None
            raise
        return IssuedToken(auth, token)

    def _create_for_app(
        self,
        user: Principal,
        app: App,
        context: AppContext,
        scopes: list[str],
        note: str | None,
        note_url: str | None,
        fingerprint: str | None,
    ) -> IssuedToken:
        issued, fresh = self.new_app_token(user, app, context.grant, scopes, note, note_url, fingerprint)
        if fresh is None:
            self.repository.create_authorization(issued.authorization)
        else:
            self.repository.create_authorization(
                issued.authorization, new_grant=fresh, replaced_grant=context.grant
            )
        return issued

    def new_app_token(
        self,
        user: Principal,
        app: App,
        grant: Grant | None,
        scopes: list[str],
        note: str | None = None,
        note_url: str | None = None,
        fingerprint: str | None = None,
        web_flow: bool = False,
        family: str | None = None,
    ) -> tuple[IssuedToken, Grant | None]:
        """A new app token (not yet written) and, when `grant` has no live token left, the fresh grant that
        replaces it (None: the token joins `grant`). The one way app tokens are made, by the Authorizations
        API, the web flow's code exchange, the device flow and the refresh grant alike.

        With `family` the token expires (SPEC section 10: 8 hours, or sooner if the operator's maximum
        lifetime is shorter) and belongs to that refresh family."""
        token = tokens.new_token(tokens.TokenKind.OAUTH)
        auth = self._new_authorization(
            user, token, app.client_id, app.name, app.url, scopes, note, note_url, fingerprint
        )
        auth = replace(auth, web_flow=web_flow)
        moment = auth.created_at
        if family is not None:
            expires_at = moment + EXPIRING_TOKEN_LIFETIME
            if auth.expires_at is not None:
                expires_at = min(expires_at, auth.expires_at)
            auth = replace(auth, family=family, expires_at=expires_at)
        if grant is not None and grant.is_held(moment):
            return IssuedToken(auth, token), None
        fresh = Grant(
            id=ids.new_id(),
            user_id=user.user_id,
            client_id=app.client_id,
            app_name=app.name,
            app_url=app.url,
            created_at=moment,
            updated_at=moment,
            entries={auth.id: GrantEntry(scopes=auth.scopes, expires_at=auth.expires_at)},
        )
        return IssuedToken(auth, token), fresh

    def oldest_over_cap(self, grant: Grant | None, scopes: list[str]) -> Authorization | None:
        """The oldest of the user's live tokens for the app with exactly these scopes, when there are ten."""
        if grant is None:
            return None
        wanted = sorted(scopes)
        same = sorted(
            auth_id
            for auth_id, entry in grant.live_entries(clock.now()).items()
            if sorted(entry.scopes) == wanted
        )
        if len(same) < MAX_TOKENS_PER_SCOPE_SET:
            return None
        oldest = self.repository.get_authorization(grant.user_id, same[0])  # ids grow with time
        if oldest is None:
            raise WriteConflict({"revoked"})  # it went meanwhile: read again
        return oldest

    def _new_authorization(
        self,
        user: Principal,
        token: str,
        client_id: str | None,
        app_name: str,
        app_url: str,
        scopes: list[str],
        note: str | None,
        note_url: str | None,
        fingerprint: str | None,
    ) -> Authorization:
        moment = clock.now()
        lifetime = self.settings.max_token_lifetime_seconds
        return Authorization(
            id=ids.new_id(),
            user_id=user.user_id,
            login=user.login,
            client_id=client_id,
            app_name=app_name,
            app_url=app_url,
            scopes=scopes,
            hashed_token=tokens.hash_token(token),
            token_last_eight=tokens.last_eight(token),
            note=note,
            note_url=note_url,
            fingerprint=fingerprint,
            created_at=moment,
            updated_at=moment,
            expires_at=moment + timedelta(seconds=lifetime) if lifetime else None,
        )

    @staticmethod
    def _checked_app(context: AppContext, client_secret: str) -> App:
        if context.app is None:
            raise ValidationFailed(FieldError("client_id", ErrorCode.INVALID))
        if not app_secret_matches(context.app, client_secret):
            raise ValidationFailed(FieldError("client_secret", ErrorCode.INVALID))
        return context.app

    def _scopes(self, given: list[str] | None) -> list[str]:
        scopes = dedupe(given or [])
        if unknown(scopes, self.settings.allowed_scopes):
            raise ValidationFailed(FieldError("scopes", ErrorCode.INVALID))
        return scopes

    # update and delete ---------------------------------------------------------------------------------

    def update(self, user: Principal, auth_id: int, body: UpdateAuthorizationBody) -> Authorization:
        if len(body.scope_fields_given()) > 1:
            raise ValidationFailed(
                FieldError(
                    "scopes",
                    ErrorCode.CUSTOM,
                    message="Only one of scopes, add_scopes or remove_scopes may be given.",
                )
            )
        scopes = self._scopes(body.scopes) if body.scopes is not None else None
        added = self._scopes(body.add_scopes) if body.add_scopes is not None else None
        removed = dedupe(body.remove_scopes) if body.remove_scopes is not None else None

        def attempt() -> Authorization:
            current = self.get(user, auth_id)
            changed = self._changed(current, body, scopes, added, removed, clock.now())
            if changed is None:
                return current
            try:
                self.repository.replace_authorization(current, changed)
            except WriteConflict as conflict:
                if NOTE in conflict.parts:
                    raise ValidationFailed(NOTE_TAKEN) from None
                if FINGERPRINT in conflict.parts:
                    raise ValidationFailed(FINGERPRINT_TAKEN) from None
                raise
            return changed

        return with_retries(attempt)

    @staticmethod
    def _changed(
        current: Authorization,
        body: UpdateAuthorizationBody,
        scopes: list[str] | None,
        added: list[str] | None,
        removed: list[str] | None,
        moment: datetime,
    ) -> Authorization | None:
        new_scopes = list(current.scopes)
        if scopes is not None:
            new_scopes = scopes
        elif added is not None:
            new_scopes += [scope for scope in added if scope not in new_scopes]
        elif removed is not None:
            new_scopes = [scope for scope in new_scopes if scope not in removed]

        note = body.note if body.note is not None else (None if "note" in body.cleared else current.note)
        if note is None and current.is_personal:
            raise ValidationFailed(FieldError("note", ErrorCode.MISSING_FIELD))
        note_url = body.note_url if body.note_url is not None else current.note_url
        if "note_url" in body.cleared:
            note_url = None
        fingerprint = body.fingerprint if body.fingerprint is not None else current.fingerprint
        if "fingerprint" in body.cleared:
            fingerprint = None

        new = replace(
            current,
            scopes=new_scopes,
            note=note,
            note_url=note_url,
            fingerprint=fingerprint,
            app_name=note if current.is_personal and note is not None else current.app_name,
        )
        if new == current:
            return None
        return replace(new, updated_at=moment, version=current.version + 1)

    def delete(self, user: Principal, auth_id: int) -> None:
        def attempt() -> None:
            self.repository.delete_authorization(self.get(user, auth_id), clock.now())

        with_retries(attempt)


@lru_cache(maxsize=1)
def authorization_service() -> AuthorizationService:
    settings = get_settings()
    return AuthorizationService(Repository(settings.table_name), settings)
