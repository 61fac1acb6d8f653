"""E-mail each province whose feedback page changed since it was last mailed to it.

P06_PROVINCE_CONTACTS names a CSV `province_code,email` (several rows per code allowed). Pages go
through the alerts' SMTP channel (P06_SMTP_HOST...), retried like alerts; a failure is logged and
never fails the refresh, and the page is mailed again at the next refresh.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Mapping
from html import unescape
from pathlib import Path

from orchestration.alerts.channels import Email
from orchestration.alerts.dispatch import send_with_retries
from orchestration.alerts.settings import AlertSettings

CONTACTS_VARIABLE = "P06_PROVINCE_CONTACTS"
MAILED_STATE = ".mailed.json"  # file name -> SHA-256 of the page last mailed
logger = logging.getLogger(__name__)


def read_contacts(path: Path) -> dict[str, tuple[str, ...]]:
    """Province code (2 digits) -> e-mail addresses."""
    contacts: dict[str, list[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as table:
        for row in csv.DictReader(table):
            code, email = (row.get("province_code") or "").strip(), (row.get("email") or "").strip()
            if code.isdigit() and email:
                contacts.setdefault(code.zfill(2), []).append(email)
    return {code: tuple(emails) for code, emails in contacts.items()}


def mail_changed_pages(
    pages: dict[str, str], directory: Path, *, env: Mapping[str, str] = os.environ, log: logging.Logger = logger
) -> list[str]:
    """Mail the pages (file name -> digest) that differ from the copy last mailed; returns their names."""
    contacts_file = (env.get(CONTACTS_VARIABLE) or "").strip()
    if not contacts_file:
        return []
    try:
        contacts = read_contacts(Path(contacts_file))
        settings = AlertSettings.from_env(env)
    except (OSError, ValueError) as exc:
        log.error(f"province feedback not mailed: {exc}")
        return []
    if not settings.smtp_host:
        log.error(f"province feedback not mailed: {CONTACTS_VARIABLE} is set but P06_SMTP_HOST is not")
        return []
    state_path = directory / MAILED_STATE
    mailed = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    sent = []
    for name, digest in sorted(pages.items()):
        code = name[:2]
        if code not in contacts or mailed.get(name) == digest:
            continue
        if send_with_retries(Email(settings, to=contacts[code]), _payload(directory / name), env=env, log=log):
            mailed[name] = digest
            sent.append(name)
    partial = state_path.with_suffix(".partial")
    partial.write_text(json.dumps(mailed, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(state_path)
    return sent


def _payload(page: Path) -> dict:
    html = page.read_text(encoding="utf-8")
    title = html.split("<title>", 1)[1].split("</title>", 1)[0] if "<title>" in html else page.stem
    return {
        "kind": "province_feedback",
        "subject": unescape(title),
        "text": f"{title}\n\nXem nội dung ở phần HTML của thư (tệp {page.name}).\n"
        f"Feedback on your Project 06 submissions: see the HTML part of this message.",
        "html": html,
    }
