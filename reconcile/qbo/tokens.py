"""Where OAuth tokens live between sessions: one JSON file, mode 0600, written atomically.

The refresh token rotates on every refresh and the previous one dies 24 h later (reference
§1 "Token lifetimes and rotation"), so losing the newest one disconnects the company. Hence:
the file is replaced atomically (never half-written), and refreshes happen under a file lock
so two kernels refreshing at once cannot each rotate the token and lose one of them.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from reconcile.errors import ReconcileError
from reconcile.secret import Secret
from reconcile.store import process_owner, utc_now

LOCK_TIMEOUT = 60.0  # seconds to wait for another process's refresh before saying so


class TokenLockError(ReconcileError):
    """Another process holds the token file's lock for longer than a refresh takes."""


@dataclass(frozen=True)
class TokenSet:
    """The tokens of one connected company. Secrets are wrapped so they never print."""

    access_token: Secret = field(repr=False)
    refresh_token: Secret = field(repr=False)
    realm_id: str
    expires_at: float  # epoch seconds when the access token stops working
    refresh_expires_at: float | None = None
    obtained_at: float = field(default_factory=time.time)

    @classmethod
    def from_response(cls, body: dict, realm_id: str, now: float | None = None) -> TokenSet:
        """Build from a token endpoint answer (``expires_in`` etc. are relative seconds)."""
        now = time.time() if now is None else now
        refresh_in = body.get("x_refresh_token_expires_in")
        return cls(
            access_token=Secret(body["access_token"]),
            refresh_token=Secret(body["refresh_token"]),
            realm_id=str(realm_id),
            expires_at=now + float(body.get("expires_in", 3600)),
            refresh_expires_at=now + float(refresh_in) if refresh_in else None,
            obtained_at=now,
        )

    def expired(self, margin: float = 60.0, now: float | None = None) -> bool:
        """True when the access token is past (or within ``margin`` s of) its expiry."""
        return (time.time() if now is None else now) >= self.expires_at - margin

    def to_json(self) -> dict:
        return {
            "access_token": self.access_token.reveal(),
            "refresh_token": self.refresh_token.reveal(),
            "realm_id": self.realm_id,
            "expires_at": self.expires_at,
            "refresh_expires_at": self.refresh_expires_at,
            "obtained_at": self.obtained_at,
        }

    @classmethod
    def from_json(cls, data: dict) -> TokenSet:
        return cls(
            access_token=Secret(data["access_token"]),
            refresh_token=Secret(data["refresh_token"]),
            realm_id=str(data["realm_id"]),
            expires_at=float(data["expires_at"]),
            refresh_expires_at=data.get("refresh_expires_at"),
            obtained_at=float(data.get("obtained_at", 0.0)),
        )


class TokenStore:
    """Reads and writes one token file; ``lock()`` serialises refreshes across processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = FileLock(str(self.path) + ".lock")

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """A re-entrant inter-process lock; hold it around read → refresh → save. Waits at
        most ``timeout`` seconds, then raises TokenLockError naming the holder (a refresh is
        a second or two; a minute means a stuck or paused process)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=timeout)
        except Timeout:
            raise TokenLockError(
                f"{self.path} is locked by {self._holder()} for more than {timeout:.0f} s (a "
                "refresh should take seconds): let that process finish or stop it, then try "
                "again"
            ) from None
        try:
            if self._lock.lock_counter == 1:  # the outermost hold says who holds it
                self._owner_file.write_text(f"{process_owner()} since {utc_now()}\n")
            yield
        finally:
            self._lock.release()

    @property
    def locked(self) -> bool:
        """Whether this process holds the lock now."""
        return self._lock.is_locked

    @property
    def _owner_file(self) -> Path:
        return Path(str(self.path) + ".lock.owner")

    def _holder(self) -> str:
        try:
            return f"process {self._owner_file.read_text().strip()}"
        except OSError:
            return "another process"

    def load(self) -> TokenSet | None:
        """The saved tokens, or None when not connected (no file, or an unreadable one:
        :meth:`problem` says which)."""
        try:
            return TokenSet.from_json(json.loads(self.path.read_text()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def problem(self) -> str | None:
        """Why a token file that exists cannot be used (unreadable, not JSON, not tokens),
        or None (no file, good tokens, or a disconnect the file records)."""
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"token file {self.path} unreadable: {exc.strerror}"
        except ValueError:
            return f"token file {self.path} unreadable: not JSON (damaged?); connect again"
        if isinstance(data, dict) and "disconnected" in data:
            return None
        try:
            TokenSet.from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            return f"token file {self.path} unreadable: it holds no tokens; connect again"
        return None

    def save(self, tokens: TokenSet) -> None:
        """Write the tokens atomically with mode 0600 (created private, then renamed over)."""
        self._write(tokens.to_json())

    def mark_disconnected(self, reason: str) -> None:
        """Replace dead tokens by the reason, so status screens can say why and what to do."""
        self._write({"disconnected": reason, "at": time.time()})

    def disconnect_reason(self) -> str | None:
        """Why the last connection ended, if it ended by itself (e.g. invalid_grant)."""
        try:
            return json.loads(self.path.read_text()).get("disconnected")
        except (OSError, ValueError, AttributeError):
            return None

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def clear(self) -> None:
        """Forget the tokens (after a revoke or an invalid_grant)."""
        self.path.unlink(missing_ok=True)
