"""The feedback pages, warehouse/feedback/<code>_<name>.html, rendered with Jinja2 (autoescaped:
a province's note or a cell value is always shown as text)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from orchestration.feedback.collect import ProvinceFeedback

TEMPLATES_DIR = Path(__file__).with_name("templates")


def render_page(feedback: ProvinceFeedback) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined  # only the feedback step needs it

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("province.html.j2").render(p=feedback)


def write_pages(feedbacks: list[ProvinceFeedback], directory: Path) -> dict[str, str]:
    """Write every page (atomically) and remove the pages of units no longer concerned.

    Returns file name -> the page's SHA-256, by which the mailer knows what changed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for feedback in feedbacks:
        html = render_page(feedback)
        path = directory / feedback.file_name
        partial = path.with_suffix(".html.partial")
        partial.write_text(html, encoding="utf-8")
        partial.replace(path)
        written[feedback.file_name] = hashlib.sha256(html.encode("utf-8")).hexdigest()
    for stale in directory.glob("*.html"):
        if stale.name not in written:
            stale.unlink()
    return written
