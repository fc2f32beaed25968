"""Database sessions whose rows hold a hash of the cookie, not the cookie: a copy of the database
(a backup, another account reading the file) gives no key that signs anyone in."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

# Session.session_key is 40 characters: the first 160 bits of SHA-256, in hex. The cookie's key
# is 32 random characters of [a-z0-9] (~165 bits), so no salt or slow hash is needed: there is
# no guessable password behind it, only a random value to be found from its hash.
STORED_LENGTH = 40


def session_key_stored(session_key: str) -> str:
    """What the database keeps for the cookie's `session_key`."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:STORED_LENGTH]


class SessionStore(db.SessionStore):
    """Django's database sessions, keyed in the database by `session_key_stored(cookie)`.

    The server still ends a session by deleting its row (sign-out, password change), which the
    socket's sign-in recheck (sync.auth.still_signed_in) relies on; signed-cookie sessions
    could not be ended server-side."""

    def _get_session_from_db(self) -> Any:
        try:
            return self.model.objects.get(**self._live())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> Any:
        try:
            return await self.model.objects.aget(**self._live())
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return self.model.objects.filter(session_key=session_key_stored(session_key)).exists()

    async def aexists(self, session_key: str) -> bool:
        stored = session_key_stored(session_key)
        return await self.model.objects.filter(session_key=stored).aexists()

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = super().create_model_instance(data)
        instance.session_key = session_key_stored(instance.session_key)
        return instance

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        instance = await super().acreate_model_instance(data)
        instance.session_key = session_key_stored(instance.session_key)
        return instance

    def delete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is not None:
            self.model.objects.filter(session_key=session_key_stored(session_key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is not None:
            stored = session_key_stored(session_key)
            await self.model.objects.filter(session_key=stored).adelete()

    def _live(self) -> dict[str, Any]:
        if self.session_key is None:  # a cookie failing SessionBase's checks (too short)
            raise self.model.DoesNotExist
        return {
            "session_key": session_key_stored(self.session_key),
            "expire_date__gt": timezone.now(),
        }
