"""Value rules shared by forms, imports and services."""

import re

# ASCII digits only (\d also matches full-width and other scripts' digits),
# and \Z, not $, which would also accept a trailing newline.
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}\Z")
# Admin-division codes: 6 (district), 9 (street/town), 12 (community/village)
# digits; grids and micro-grids add a suffix of up to 8 digits or letters.
GRID_CODE_RE = {
    "district": re.compile(r"^[0-9]{6}\Z"),
    "street": re.compile(r"^[0-9]{9}\Z"),
    "community": re.compile(r"^[0-9]{12}\Z"),
    "grid": re.compile(r"^[0-9]{12}[0-9A-Za-z]{1,8}\Z"),
    "micro": re.compile(r"^[0-9]{12}[0-9A-Za-z]{2,12}\Z"),
}


def is_mobile(value):
    return bool(MOBILE_RE.match(value or ""))


def is_grid_code(value, level):
    pattern = GRID_CODE_RE.get(level)
    return bool(pattern and pattern.match(value or ""))
