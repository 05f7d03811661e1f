"""URL normalization: one canonical spelling per cited document.

Two citations of the same article must land on one `Source`, so every URL is stored in the
form `normalize_url` gives it. The rules are deliberately conservative: only differences that
never change which document a server returns are removed.
"""

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError

DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters added by campaign and click trackers; they never select content.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ref_src",
        "cmpid",
        "ocid",
        "smid",
    }
)
TRACKING_PREFIXES = ("utm_",)

# RFC 3986: unreserved characters never need escaping, so their escapes are decoded.
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are in a path or query; everything else is percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;="
QUERY_SAFE = PATH_SAFE + "?"
ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _normalize_escapes(text: str, safe: str) -> str:
    """Percent-encoding one way: unreserved escapes decoded, other escapes upper-cased,
    characters that must be escaped (spaces, non-ASCII, a stray %) escaped. Reserved escapes
    such as %2F stay escaped: decoding them could change which document is meant."""
    out = []
    for token in ESCAPE.split(text):
        if ESCAPE.fullmatch(token):
            char = chr(int(token[1:], 16))
            out.append(char if char in UNRESERVED else token.upper())
        elif token:
            out.append(quote(token, safe=safe, errors="surrogateescape"))
    return "".join(out)


def normalize_url(url: str) -> str:
    """The canonical form of an http(s) URL, or ValidationError for anything else.

    Lower-cases scheme and host, drops credentials, default ports, the fragment, tracking
    parameters and empty query pieces, gives an empty path as `/` and writes percent-escapes
    one way. Path case, parameter order and trailing slashes are kept: servers may treat them
    as different documents.
    """
    if not isinstance(url, str):
        raise ValidationError("A URL must be text.", code="invalid")
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise ValidationError(f"“{text}” is not a valid URL: {error}.", code="invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValidationError(
            f"“{text}” is not a web address: only http:// and https:// links can be cited.",
            code="scheme",
        )
    host = (parts.hostname or "").rstrip(".")
    if not host or any(c.isspace() for c in host):
        raise ValidationError(f"“{text}” has no host name.", code="host")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError(f"“{text}” has an invalid host name.", code="host") from None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normalize_escapes(parts.path, PATH_SAFE) or "/"
    pieces = (piece for piece in parts.query.split("&") if piece)
    query = "&".join(
        _normalize_escapes(piece, QUERY_SAFE)
        for piece in pieces
        if not _is_tracking(unquote(piece.split("=", 1)[0]))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def domain_of(url: str) -> str:
    """The host of a normalized URL without a leading `www.`."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def candidate_domains(host: str) -> list[str]:
    """`news.bbc.co.uk` -> [`news.bbc.co.uk`, `bbc.co.uk`, `co.uk`]: most specific first."""
    labels = host.removeprefix("www.").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
