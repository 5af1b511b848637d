"""Portal link tokens: generation, storage digest and shape check.

Only the digest of a token is stored; the token itself appears once, in the
link handed to the customer.
"""

import hashlib
import re
import secrets

# 128 random bits: far beyond what online or offline guessing can reach.
TOKEN_BYTES = 16
# Length of secrets.token_urlsafe(TOKEN_BYTES): base64url without padding.
TOKEN_LENGTH = 22

_TOKEN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def new_token() -> str:
    """Return a fresh URL-safe token with TOKEN_BYTES of randomness."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest (64 characters) of the UTF-8 token.

    A plain, un-keyed SHA-256 is enough here. The token carries 128 random
    bits, so nobody can brute-force a digest back to its token, which is the
    only reason password hashes need salts and slow functions. A secret key
    would live in the same database as the digests, so it would not protect
    anything against a leaked backup either.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_well_formed(token) -> bool:
    """Tell whether ``token`` looks like a token made by :func:`new_token`.

    Checking the shape first lets callers reject junk without a database
    lookup.
    """
    return isinstance(token, str) and _TOKEN_PATTERN.fullmatch(token) is not None
