"""The feedback pages, warehouse/feedback/<code>_<name>.html, rendered with Jinja2 (autoescaped:
a province's note or a cell value is always shown as text)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.feedback.collect import ProvinceFeedback

if TYPE_CHECKING:
    from jinja2 import Template

TEMPLATES_DIR = Path(__file__).with_name("templates")


@cache
def _province_template() -> Template:
    """Compiled once per process: compiling took ~all of the feedback step when done per page."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined  # only the feedback step needs it

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("province.html.j2")


def render_page(feedback: ProvinceFeedback) -> str:
    return _province_template().render(p=feedback)


def write_pages(feedbacks: list[ProvinceFeedback], directory: Path) -> dict[str, str]:
    """Write every page whose content changed (atomically) and remove the pages of units no longer
    concerned; an unchanged page keeps its file, and its modification time.

    Returns file name -> the page's SHA-256, by which the mailer knows what changed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for feedback in feedbacks:
        html = render_page(feedback)
        path = directory / feedback.file_name
        content = html.encode("utf-8")
        if not (path.exists() and path.read_bytes() == content):
            partial = path.with_suffix(".html.partial")
            partial.write_bytes(content)
            partial.replace(path)
        written[feedback.file_name] = hashlib.sha256(content).hexdigest()
    for stale in directory.glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    return written
