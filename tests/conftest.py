"""Make tests/campaign/campaign_helpers.py (quiet endings, known engine bugs) importable from
every test folder."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "campaign"))
