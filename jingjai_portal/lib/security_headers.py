"""HTTP headers of every answer below /p/ (plain Python, no odoo import)."""

# Sent with every /p/ response, error pages included: the URL is a credential,
# so nothing may cache it, index it or pass it on in a Referer.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
}
