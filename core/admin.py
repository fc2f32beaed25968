"""The books change only through the services, which check the rules and write the Edit Log:
the admin shows them and changes nothing."""

from typing import Any


class ReadOnlyAdmin:
    """For ModelAdmins of the books: view, search and filter; no add, change or delete."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
