"""The operators' console, served as static files on the API's origin under `/console/`.

The console is a single-page app (TypeScript, React, built by Vite into `console/dist`): any
path under `/console/` that is not a file gets its `index.html`, so deep links and reloads
work. `/` redirects there. Without a build the page says how to make one, rather than a 404.
Long-lived caching for the hashed assets, none for `index.html`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

CHECKOUT_BUILD = Path(__file__).resolve().parents[5] / "console" / "dist"
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>PyTake console</title>
<body style="font-family:system-ui;margin:3rem;max-width:40rem">
<h1>The console is not built</h1>
<p>Run <code>make console</code> (or <code>make dev</code>, which builds it), then reload.</p>
<p>The API is at <a href="/docs">/docs</a>.</p></body>"""


def mount(app: FastAPI, configured: str) -> None:
    root = Path(configured) if configured else CHECKOUT_BUILD

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/console/")

    @app.get("/console", include_in_schema=False)
    async def bare() -> Response:
        return RedirectResponse("/console/")

    @app.get("/console/{path:path}", include_in_schema=False)
    async def console(path: str) -> Response:
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503)
        wanted = (root / path).resolve()
        if path and wanted.is_file() and wanted.is_relative_to(root.resolve()):
            cache = (
                "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
            )
            return FileResponse(wanted, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
