"""Sign-in: authenticate (tenant, user name, password, MFA code), refresh with rotation,
the tokens' lifetimes, the access-token check of every API call, and user info."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from reconcile.sandbox.bms.envelope import BmsFault, ok
from reconcile.sandbox.bms.params import form_fields
from reconcile.sandbox.bms_data import iso_z
from reconcile.sandbox.http import Request


class SignIn:
    """The ``/v2/security/…`` endpoints and the token check, for a ``BmsApp``."""

    def _token_ok(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        rows = self.data.store.execute(
            "SELECT expires_at, revoked FROM bms_tokens WHERE token=? AND kind='access'",
            (header[7:],),
        )
        return bool(rows) and not rows[0][1] and time.time() < rows[0][0]

    def _issue(self) -> dict:
        s = self.settings.value
        now = time.time()
        access, refresh = "eyJ" + secrets.token_urlsafe(40), secrets.token_urlsafe(32)
        for token, kind, partner, ttl in (
            (access, "access", refresh, s.bms_access_token_ttl),
            (refresh, "refresh", access, s.bms_refresh_token_ttl),
        ):
            self.data.store.execute(
                "INSERT INTO bms_tokens (token, kind, partner, expires_at) VALUES (?,?,?,?)",
                (token, kind, partner, now + ttl),
            )
        return ok(
            {
                "AccessToken": access,
                "RefreshToken": refresh,
                "AccessTokenExpireOn": iso_z(
                    datetime.fromtimestamp(now + s.bms_access_token_ttl, UTC)
                ),
                "RefreshTokenExpireOn": iso_z(
                    datetime.fromtimestamp(now + s.bms_refresh_token_ttl, UTC)
                ),
            }
        )

    def authenticate(self, request: Request) -> dict:
        f = form_fields(request)
        ident = self.identity
        good = (
            f.get("tenant", "").lower() == ident["tenant"].lower()
            and f.get("username", "").lower() == ident["username"].lower()
            and secrets.compare_digest(f.get("password", ""), ident["password"])
        )
        if not good:
            raise BmsFault(401, "Invalid company name, user name or password.")
        mfa = self.settings.value.bms_mfa_code
        if mfa and f.get("mfacode") != mfa:
            raise BmsFault(401, "Invalid or missing MFA code.")
        return self._issue()

    def refresh(self, request: Request) -> dict:
        f = form_fields(request)
        rows = self.data.store.execute(
            "SELECT partner, expires_at, revoked FROM bms_tokens WHERE token=? AND kind='refresh'",
            (f.get("refreshtoken", ""),),
        )
        if (
            not rows
            or rows[0][2]
            or time.time() >= rows[0][1]
            or rows[0][0] != f.get("accesstoken")
        ):
            raise BmsFault(401, "Invalid refresh token.")
        # Rotate: the used pair stops working.
        self.data.store.execute(
            "UPDATE bms_tokens SET revoked=1 WHERE token IN (?, ?)",
            (f["refreshtoken"], f["accesstoken"]),
        )
        self.data.store.kv_set(
            "bms_refresh_count", self.data.store.kv_get("bms_refresh_count", 0) + 1
        )
        return self._issue()

    def expire_tokens(self) -> int:
        """Every access token expires now (tests of 401 → refresh → replay)."""
        rows = self.data.store.execute("SELECT COUNT(*) FROM bms_tokens WHERE kind='access'")
        self.data.store.execute(
            "UPDATE bms_tokens SET expires_at=? WHERE kind='access'", (time.time() - 1,)
        )
        return rows[0][0]

    def userinfo(self, request: Request) -> dict:
        return ok(self.identity["user"])
