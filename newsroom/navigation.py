"""The site navigation that every reader's page shows."""

from .models import Section


def nav_sections() -> list[Section]:
    """Every section in its order (one query)."""
    return list(Section.objects.all())
