"""Cells written for spreadsheets (CSV now, .xlsx too): never a formula.

Excel, WPS and LibreOffice run a cell that starts with ``=``, ``+``, ``-``
or ``@`` as a formula (and a leading tab or carriage return can hide one),
so a ticket titled ``=HYPERLINK(...)`` or ``+cmd|' /C calc'!A0`` would run
on the command centre's PC when it opens an export. OWASP's advice, which
this follows: prefix such text with an apostrophe, which spreadsheets show
as plain text. A cell that is just a number (``-3``, ``+1.5``) is left alone:
a spreadsheet reads it as that number, and nothing runs.
"""

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?\Z")


def safe_cell(value):
    """``value``, or for text a spreadsheet would run, the same text made inert."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value
