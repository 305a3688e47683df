"""Compile the theme: Bootstrap 4.6.2's Sass sources (theme/bootstrap-4.6.2,
from ``npm pack bootstrap@4.6.2``) with gridadmin's variables
(theme/gridadmin.scss) into gridadmin/static/css/theme.css, which is
committed: the app needs no build step and no network.

    pip install libsass && python scripts/theme.py
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "theme", "gridadmin.scss")
TARGET = os.path.join(ROOT, "gridadmin", "static", "css", "theme.css")


def build():
    import sass  # libsass, a development requirement

    css = sass.compile(filename=SOURCE, output_style="compressed", include_paths=[os.path.dirname(SOURCE)])
    header = "/* gridadmin theme: Bootstrap v4.6.2 (MIT, theme/bootstrap-4.6.2/LICENSE) with theme/gridadmin.scss */\n"
    with open(TARGET, "w", encoding="utf-8") as fh:
        fh.write(header + css)
    return TARGET


if __name__ == "__main__":
    print(build(), file=sys.stderr)
