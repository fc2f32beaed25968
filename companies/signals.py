"""Sent by the companies app after a write has committed; `sync` turns them into socket closes."""

from django.dispatch import Signal

# kwargs: user_id. Some of that user's API tokens were revoked: sockets opened with one close.
tokens_revoked = Signal()
