"""The report's JSON Schema is pinned: a change to the public format is a deliberate act.

After a deliberate change, bump SCHEMA_VERSION and regenerate the pin:
    unspin schema > tests/report/report.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path

from unspin.report import SCHEMA_VERSION, Report, report_schema

PINNED = Path(__file__).with_name("report.schema.json")


def test_the_schema_matches_the_pinned_copy() -> None:
    assert report_schema() == json.loads(PINNED.read_text())


def test_the_schema_names_its_version() -> None:
    assert report_schema()["$id"].endswith(f"report-{SCHEMA_VERSION}.json")  # type: ignore[union-attr]


def test_every_top_level_field_the_consumers_rely_on_is_there() -> None:
    fields = set(Report.model_fields)
    assert {"schema_version", "id", "source", "text", "removed", "sentences", "entities", "actors",
            "quotes", "techniques", "narratives", "roles", "warnings", "timings"} <= fields
