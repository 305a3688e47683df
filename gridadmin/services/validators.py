"""Value rules shared by forms, imports and services."""

import re

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Admin-division codes: 6 (district), 9 (street/town), 12 (community/village)
# digits; grids and micro-grids add a suffix of up to 8 digits or letters.
GRID_CODE_RE = {
    "district": re.compile(r"^\d{6}$"),
    "street": re.compile(r"^\d{9}$"),
    "community": re.compile(r"^\d{12}$"),
    "grid": re.compile(r"^\d{12}[0-9A-Za-z]{1,8}$"),
    "micro": re.compile(r"^\d{12}[0-9A-Za-z]{2,12}$"),
}


def is_mobile(value):
    return bool(MOBILE_RE.match(value or ""))


def is_grid_code(value, level):
    pattern = GRID_CODE_RE.get(level)
    return bool(pattern and pattern.match(value or ""))
