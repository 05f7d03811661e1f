"""URL normalization: one canonical spelling per cited document.

Two citations of the same article must land on one `Source`, so every URL is stored in the
form `normalize_url` gives it. The rules are deliberately conservative: only differences that
never change which document a server returns are removed.
"""

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

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

# Characters left as they are in a path; everything else is percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
QUERY_SAFE = PATH_SAFE + "?"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _requote(text: str, safe: str) -> str:
    """Percent-encode consistently: decode only unreserved escapes, upper-case the rest."""
    return quote(unquote(text, errors="surrogateescape"), safe=safe, errors="surrogateescape")


def normalize_url(url: str) -> str:
    """The canonical form of an http(s) URL, or ValidationError for anything else.

    Lower-cases scheme and host, drops default ports, the fragment, tracking parameters and a
    trailing `?`, gives an empty path as `/` and encodes percent-escapes one way. Path case,
    parameter order and trailing slashes are kept: servers may treat them as different.
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
    path = _requote(parts.path, PATH_SAFE) or "/"
    pairs = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    ]
    query = urlencode(pairs, quote_via=quote, safe=QUERY_SAFE.replace("&", "").replace("=", ""))
    return urlunsplit((scheme, netloc, path, query, ""))


def domain_of(url: str) -> str:
    """The host of a normalized URL without a leading `www.`."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def candidate_domains(host: str) -> list[str]:
    """`news.bbc.co.uk` -> [`news.bbc.co.uk`, `bbc.co.uk`, `co.uk`]: most specific first."""
    labels = host.removeprefix("www.").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
