"""CSV and Excel exports: local times, formulas defused, phone numbers kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pandas as pd

from dashboard.export import csv_bytes, excel_bytes, safe_cell

ZONE = "Africa/Johannesburg"


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start": [datetime(2026, 11, 22, 12, 35, 10, tzinfo=UTC)],
            "caller": ["+27723339876"],
            "comment": ['=HYPERLINK("http://evil.example","click")'],
            "evidence": [[{"start": 1.5}]],
            "score": [97.0],
        }
    )


def test_cells_a_spreadsheet_would_run_are_defused_and_numbers_kept() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3 cmd") == "'-2+3 cmd" and safe_cell("+27723339876") == "+27723339876"
    assert safe_cell("-12.5") == "-12.5" and safe_cell(12) == 12 and safe_cell("plain") == "plain"


def test_csv_has_local_times_and_defused_formulas() -> None:
    data = csv_bytes(sample(), ZONE)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with the byte-order mark
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    row = frame.iloc[0]
    assert row["start"] == "2026-11-22 14:35:10"  # UTC+2, no offset
    assert row["caller"] == "+27723339876"
    assert row["comment"].startswith("'=HYPERLINK")
    assert row["evidence"] == "[{'start': 1.5}]" and row["score"] == "97.0"


def test_excel_is_a_workbook_with_the_same_cells() -> None:
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(sample(), ZONE, "calls")))
    sheet = book["calls"]
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert header == ["start", "caller", "comment", "evidence", "score"]
    assert values["start"] == datetime(2026, 11, 22, 14, 35, 10)
    assert values["caller"] == "+27723339876" and str(values["comment"]).startswith("'=")
    assert values["score"] == 97.0
