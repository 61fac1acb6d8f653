"""The feedback tests receive e-mail with the alert tests' real SMTP server."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "alerts"))
