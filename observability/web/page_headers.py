"""Response headers of the site's HTML pages: no scripts, no framing, nothing loaded from elsewhere."""

from __future__ import annotations

# The pages use one same-origin stylesheet, one same-origin script (local times) and plain forms;
# no inline script runs, so an escaping slip stays inert text rather than running script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Runbook pages hold only what the repository holds: browsers and proxies may keep them a minute.
PUBLIC_PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=60"}
# Incident pages show live data behind a token: never stored.
PRIVATE_PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
