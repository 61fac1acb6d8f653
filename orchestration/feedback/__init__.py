"""Feedback to each province after every refresh: a page in Vietnamese and, if it changed, an e-mail."""
