"""The web app (`web/`), built into `api/web_dist/` and shipped as package data, served by
the API process at `/`.

The app's pages share paths with the API (`/inbox` is a page and an endpoint; e-mails link to
`/instances/{id}` and `/action-links/{token}`), so a request is told apart by what it asks
for: a browser navigation (GET asking for HTML) gets the app's `index.html`, whose router
shows the page; everything else (the app's own fetches, curl, API clients) reaches the API
as before. Built files (`/assets/...`, the favicon) are served as they are."""

from __future__ import annotations

import gzip
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request, route
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

DIST = Path(__file__).parent / "web_dist"
"""Where `npm run build` (in web/) writes the app; not committed, included as package data."""

API_PAGES = ("/schema", "/auth/oidc")
"""Paths a browser navigates to that the API answers itself: the interactive API
documentation, and the redirects of a sign-in through an OpenID Connect provider."""

NOT_BUILT = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ERP Builder: web app not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The web app has not been built</h1>
<p>This ERP Builder serves its API (documentation at <a href="/schema">/schema</a>), but the
web app's files are missing from this installation.</p>
<p>From a clone of the repository, run <code>make run</code>, or build it alone with
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> (Node 20+ and npm), then
restart the server.</p>
</body></html>
"""


@lru_cache(maxsize=256)
def _built_file(path: str) -> tuple[bytes, str] | None:
    """The content and type of the built file at URL `path`, or None. Built files only change
    with a new installation, so they are read once."""
    relative = path.lstrip("/")
    if not relative:
        return None
    root = DIST.resolve()
    candidate = (root / relative).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    kind = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
        kind += "; charset=utf-8"
    return candidate.read_bytes(), kind


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@lru_cache(maxsize=256)
def _gzipped(path: str) -> bytes | None:
    """The built file at `path` gzipped (once: built files do not change), when its type
    compresses: the app's script goes from 658 kB to 203 kB over the wire."""
    found = _built_file(path)
    if found is None or not found[1].startswith(COMPRESSIBLE):
        return None
    return gzip.compress(found[0], compresslevel=9, mtime=0)


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return any(part.split(b";")[0].strip() == b"gzip" for part in value.split(b","))
    return False


def _index() -> bytes | None:
    found = _built_file("/index.html")
    return found[0] if found else None


def _is_navigation(scope: Scope) -> bool:
    """A browser loading a page: GET or HEAD asking for HTML (fetches ask for */* or JSON)."""
    if scope.get("method") not in ("GET", "HEAD"):
        return False
    path: str = scope["path"]
    if any(path == page or path.startswith(page + "/") for page in API_PAGES):
        return False
    for name, value in scope["headers"]:
        if name == b"sec-fetch-mode" and value == b"navigate":
            return True
        if name == b"accept" and value.split(b",")[0].strip().startswith(b"text/html"):
            return True
    return False


async def _send(
    send: Send, status: int, body: bytes, kind: str, cache: str, head: bool, zipped: bool = False
) -> None:
    headers = [
        (b"content-type", kind.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", cache.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"vary", b"accept-encoding"),
    ]
    if zipped:
        headers.append((b"content-encoding", b"gzip"))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": headers,
    }
    await send(start)
    await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})


def webapp_middleware(app: ASGIApp) -> ASGIApp:
    """Outermost middleware: built files and page loads are answered here, before
    authentication; every other request goes on to the API."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        head = scope.get("method") == "HEAD"
        path: str = scope["path"]
        built = _built_file(path) if path != "/index.html" else None
        if built is not None:
            # Vite names assets by their content's hash: they never change under a name.
            cache = (
                "public, max-age=31536000, immutable" if path.startswith("/assets/") else "no-cache"
            )
            zipped = _gzipped(path) if _accepts_gzip(scope) else None
            body = built[0] if zipped is None else zipped
            await _send(send, 200, body, built[1], cache, head, zipped is not None)
            return
        if _is_navigation(scope):
            index = _index()
            if index is None:
                await _send(send, 503, NOT_BUILT, "text/html; charset=utf-8", "no-store", head)
            else:
                zipped = _gzipped("/index.html") if _accepts_gzip(scope) else None
                body = index if zipped is None else zipped
                kind = "text/html; charset=utf-8"
                await _send(send, 200, body, kind, "no-cache", head, zipped is not None)
            return
        await app(scope, receive, send)

    return middleware


@route(
    ["/", "/{path:path}"],
    http_method=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
    opt={"public": True},
)
async def unknown_path(request: Request[Any, Any, Any]) -> Any:
    """Every path no route claims: reached so that the middleware above sees app pages such as
    `/records/...` that have no API route; anything else is the API's 404 as before."""
    raise NotFoundException(f"No route for {request.url.path}")
