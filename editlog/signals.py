"""Signals of the Edit Log, for the layers above it (sync) to hear without being imported."""

from django.dispatch import Signal

# A run of Changes was appended in one bulk insert (no post_save per row): sent once, with the
# run's last Change (`last`), inside the saving transaction.
changes_appended = Signal()
