"""The bootstrap project is not a package (its directory name has a dash): tests import its modules the way
Pulumi runs them, from the project directory."""

import sys
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parents[2] / "bootstrap" / "ci-identities"
sys.path.insert(0, str(BOOTSTRAP))
