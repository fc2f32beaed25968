"""TallySync project wiring."""

__version__ = "0.5.0"  # keep equal to pyproject.toml
