"""The widget's and the pages' files, read once at start-up and served by name.

aiohttp's static routes (`add_static`) resolve the request's path on the file system; in 3.9.5
that lets a request that leaves the folder and comes back (`/static/../../proc/self/cwd/...`)
learn what exists outside it (CVE-2025-69226), and a misconfiguration (follow_symlinks, a
symlinked file) serves files from elsewhere. Here nothing in a request ever reaches the file
system: each folder is a fixed table of the regular files in it (not symlinks, not folders, only
the types below), and any other name, encoded, with a backslash, a NUL or a dot-dot, is 404.
"""
from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import hdrs, web

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
# Not versioned by name (a deployer's page links /widget/widget.js): short-lived in caches,
# revalidated by ETag after that.
CACHE_CONTROL = "public, max-age=300, must-revalidate"


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str
    etag: str


def load(directory: Path) -> dict[str, StaticFile]:
    """The regular files of a folder, by name: symlinks, sub-folders and unknown types are left out."""
    files = {}
    for path in sorted(directory.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or path.is_symlink() or not path.is_file():
            continue
        body = path.read_bytes()
        files[path.name] = StaticFile(body, content_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return files


def handler(files: dict[str, StaticFile]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A GET (and HEAD) handler for `/prefix/{name}` answering from `files` only."""

    async def serve_file(request: web.Request) -> web.Response:
        found = files.get(request.match_info.get("name", ""))
        if found is None:
            raise web.HTTPNotFound()
        headers: dict[str, str] = {hdrs.ETAG: found.etag, hdrs.CACHE_CONTROL: CACHE_CONTROL}
        if found.etag in {tag.strip() for tag in request.headers.get(hdrs.IF_NONE_MATCH, "").split(",")}:
            return web.Response(status=304, headers=headers)
        return web.Response(body=found.body, headers={**headers, hdrs.CONTENT_TYPE: found.content_type})

    return serve_file


def add_routes(app: web.Application, prefix: str, directory: Path) -> None:
    app.router.add_get(f"{prefix}/{{name}}", handler(load(directory)))
