"""Who is asking the vetting index: a JupyterHub user (the hub checks the token pip sends as the password of
the index URL, or in an Authorization header), an administrator's static token, or nobody where that is allowed."""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from dataclasses import dataclass

ANONYMOUS = "anonymous"
TOKEN_MEMO_SECONDS = 300.0  # a token the hub confirmed is not asked about again for this long
MAX_REMEMBERED_TOKENS = 10_000


@dataclass(frozen=True)
class Identity:
    user: str
    admin: bool = False


class Unauthenticated(PermissionError):
    """No credentials, or the hub does not know them."""


def token_from(authorization: str | None) -> str | None:
    """The token in `Authorization: token|Bearer T` or in Basic credentials' password (what pip and uv send for
    `https://user:T@host/simple/`)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() in {"token", "bearer"}:
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            _user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password or None
    return None


class Authenticator:
    """Answers `identify(authorization header)` or raises Unauthenticated."""

    def __init__(self, *, allow_anonymous: bool = False, admin_token: str | None = None, hub_auth=None) -> None:
        self.allow_anonymous = allow_anonymous
        self.admin_token = admin_token
        self.hub_auth = hub_auth  # jupyterhub.services.auth.HubAuth when running as a hub service
        self._memo: dict[str, tuple[float, Identity]] = {}

    async def identify(self, authorization: str | None) -> Identity:
        token = token_from(authorization)
        if token and self.admin_token and hmac.compare_digest(token, self.admin_token):
            return Identity("admin-token", admin=True)
        if token and self.hub_auth is not None:
            identity = await self._hub_user(token)
            if identity is not None:
                return identity
            raise Unauthenticated("the hub does not know this token")
        if self.allow_anonymous:
            return Identity(ANONYMOUS)
        raise Unauthenticated("log in: give your JupyterHub API token as the password in the index URL")

    async def _hub_user(self, token: str) -> Identity | None:
        remembered = self._memo.get(token)
        if remembered and time.monotonic() - remembered[0] < TOKEN_MEMO_SECONDS:
            return remembered[1]
        model = await self.hub_auth.user_for_token(token, sync=False)
        if not model:
            return None
        if self.hub_auth.access_scopes and not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            return None
        identity = Identity(model.get("name") or "?", admin=bool(model.get("admin")))
        if len(self._memo) > MAX_REMEMBERED_TOKENS:
            self._memo.clear()
        self._memo[token] = (time.monotonic(), identity)
        return identity
