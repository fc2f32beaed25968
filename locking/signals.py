"""Sent after a lock is taken or let go has committed; `sync` turns it into lock/unlock frames."""

from django.dispatch import Signal

# kwargs: company_id, resource, holder (User or None when released), since, broken_by
lock_changed = Signal()
