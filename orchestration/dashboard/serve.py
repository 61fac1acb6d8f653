"""Serve the scorecard site read-only on 127.0.0.1 (GET and HEAD only, nothing else)."""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _SiteHandler(SimpleHTTPRequestHandler):
    def list_directory(self, path):  # the site's pages are linked from index.html
        self.send_error(404, "No index of this folder")
        return None


def serve_site(site: Path, port: int) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:port for `site` (a link is followed per request, so a rebuild shows)."""
    handler = partial(_SiteHandler, directory=str(site))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)
