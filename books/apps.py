from django.apps import AppConfig


class BooksConfig(AppConfig):
    """Work that spans the books' apps: a company with its seeded chart, members, set-up."""

    name = "books"
