from django.conf import settings
from django.db import models

from companies.models import Company


class Note(models.Model):
    """A line of text a company keeps: the smallest record that is versioned and altered."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    text = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    altered_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.text
