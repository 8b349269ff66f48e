"""Security headers for every response, and the IETF RateLimit headers."""

from __future__ import annotations

import functools

from core.http.context import AppliedPolicy

# JSON, files and errors: nothing may load, frame or submit anything.
API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# Pages: scripts and styles only with this response's nonce; no third party.
_PAGE_CSP = (
    "default-src 'none'; script-src 'nonce-{n}' 'strict-dynamic'; style-src 'self' 'nonce-{n}';"
    " img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

STATIC_HEADERS: list[tuple[bytes, bytes]] = [
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains; preload"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (
        b"permissions-policy",
        b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    ),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
CORP_DEFAULT = (b"cross-origin-resource-policy", b"same-origin")


def page_csp(nonce: str) -> bytes:
    return _PAGE_CSP.format(n=nonce).encode()


# Header names a response may set itself, overriding the defaults here.
OVERRIDABLE = frozenset(
    [b"content-security-policy", CORP_DEFAULT[0], *(name for name, _ in STATIC_HEADERS)]
)
DEFAULTS_FOR_API: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", API_CSP),
    *STATIC_HEADERS,
    CORP_DEFAULT,
)
# The defaults after the CSP, which is the one that differs between pages and the rest.
STATIC_AND_CORP = DEFAULTS_FOR_API[1:]


def ratelimit_headers(policies: list[AppliedPolicy]) -> list[tuple[bytes, bytes]]:
    """``RateLimit-Policy`` and ``RateLimit`` (draft-ietf-httpapi-ratelimit-headers)."""
    if not policies:
        return []
    if len(policies) == 1:
        p = policies[0]
        return [
            (b"ratelimit-policy", _policy_value(p.name, p.limit, p.window)),
            (b"ratelimit", f'"{p.name}";r={p.remaining};t={p.reset}'.encode()),
        ]
    policy = b", ".join(_policy_value(p.name, p.limit, p.window) for p in policies)
    state = ", ".join(f'"{p.name}";r={p.remaining};t={p.reset}' for p in policies)
    return [(b"ratelimit-policy", policy), (b"ratelimit", state.encode())]


@functools.lru_cache(maxsize=256)
def _policy_value(name: str, limit: int, window: int) -> bytes:
    return f'"{name}";q={limit};w={window}'.encode()
