"""Slugs, the names in readers' addresses: in any script (`严重急性呼吸道症候群`, `ош`,
`erdoğan`), as the archive's own are. Every slug the project makes comes from `make_slug()`.

It lives in `sources`, the app every other app may import.
"""

from django.utils.text import slugify


def make_slug(text: str, *, max_length: int | None = None) -> str:
    """`text` lowercased, runs of spaces and hyphens made one `-`, other punctuation dropped,
    letters of every script kept; cut to `max_length` and never ending in `-` or `_`.

    Empty when `text` has no letter or digit: callers give their own fallback.
    """
    slug = slugify(text, allow_unicode=True)
    if max_length is not None:
        slug = slug[:max_length]
    return slug.strip("-_")
