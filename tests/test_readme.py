"""README stays true: every setting is documented, and the quick start has its two commands."""

from __future__ import annotations

from models.paths import REPO_ROOT
from service.config import Settings


def test_every_setting_is_in_the_configuration_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [f"TRIAGE_{name.upper()}" for name in Settings.model_fields
               if f"TRIAGE_{name.upper()}" not in readme]  # fmt: skip
    assert missing == []


def test_quick_start_commands_and_ci_agree() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "bash scripts/bootstrap.sh serve" in readme
    assert "bash scripts/bootstrap.sh test" in readme
    assert "scripts/bootstrap.sh test" in (REPO_ROOT / ".ci" / "run").read_text()
