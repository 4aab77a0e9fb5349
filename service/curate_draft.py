"""The workbench's one call into ``crisiskg draft``: a draft annotation as a mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crisiskg.curate import draft as drafting


def draft_mapping(article: Path, seeds: Path) -> dict[str, Any]:
    """``crisiskg draft``'s annotation of ``article`` as a mapping, in the form the draft file has
    (suggestions and items naming proposed entities under ``draft_notes``), which the workbench edits."""
    found = yaml.safe_load(drafting.draft(article, seeds))
    return found if isinstance(found, dict) else {}
