"""Extract, update, compile and check the translation catalogues.

    python scripts/i18n.py extract   # write translations/{messages,admin,wtforms}.pot
    python scripts/i18n.py update    # merge the .pot files into every locale's .po
    python scripts/i18n.py compile   # .po -> .mo (the .mo files are kept in git)
    python scripts/i18n.py check     # fail on an untranslated or fuzzy entry
    python scripts/i18n.py all       # all four, in that order
    python scripts/i18n.py todo F.json   # the untranslated entries, to fill in
    python scripts/i18n.py fill F.json   # put F.json's translations into the .po files
    python scripts/i18n.py fill DIR      # fill empty entries from another checkout's translations/

Three domains, each with a catalogue per locale in translations/<locale>/LC_MESSAGES/:

- ``messages``: our strings, extracted with babel.cfg from gridadmin/ and templates/.
- ``admin``: Flask-Admin's own strings, extracted from the installed flask_admin
  package (its shipped zh catalogues are stale, so we keep complete ones here).
- ``wtforms``: WTForms' validation messages, from the installed wtforms' .pot.

A new catalogue, and every empty entry after an update, is seeded from the upstream
package's catalogue for that locale where it has one; translate what is still empty
by editing the .po, then ``compile`` and ``check``. English is the msgid language:
there is no ``en`` catalogue. Everything runs through pybabel (Babel's own CLI).
"""

import contextlib
import io
import os
import sys

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "translations")
LOCALES = ("zh_Hans_CN", "zh_Hant_TW")
DOMAINS = ("messages", "admin", "wtforms")
PROJECT = "gridadmin"

# Our keywords on top of pybabel's defaults (_, gettext, ngettext, N_, ...).
MESSAGES_KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "RuleError")
ADMIN_KEYWORDS = ("_gettext", "_ngettext:1,2", "lazy_gettext", "__")


def _package_dir(name):
    module = __import__(name)
    return os.path.dirname(os.path.abspath(module.__file__))


def upstream_po(domain, locale):
    """The installed package's catalogue for ``locale``, if it ships one."""
    if domain == "admin":
        path = os.path.join(_package_dir("flask_admin"), "translations", locale, "LC_MESSAGES", "admin.po")
    elif domain == "wtforms":
        names = {"zh_Hans_CN": "zh", "zh_Hant_TW": "zh_TW"}
        path = os.path.join(_package_dir("wtforms"), "locale", names.get(locale, locale), "LC_MESSAGES", "wtforms.po")
    else:
        return None
    return path if os.path.exists(path) else None


def pybabel(*args):
    CommandLineInterface().run(["pybabel", "-q", *args])


def pot_path(domain):
    return os.path.join(TRANSLATIONS, f"{domain}.pot")


def po_path(domain, locale):
    return os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", f"{domain}.po")


def extract():
    common = ["--project", PROJECT, "--sort-by-file", "--width", "100"]
    # Ours, with file locations (relative to the repository root).
    os.chdir(ROOT)
    keywords = [arg for kw in MESSAGES_KEYWORDS for arg in ("-k", kw)]
    pybabel("extract", "-F", "babel.cfg", *keywords, *common, "-o", pot_path("messages"), ".")
    # Flask-Admin's, from the installed package: no locations (they would
    # name a site-packages path), and not its tests.
    admin_dir = _package_dir("flask_admin")
    mapping = os.path.join(TRANSLATIONS, ".flask_admin_babel.cfg")
    with open(mapping, "w", encoding="utf-8") as fh:
        fh.write("[python: **.py]\n[jinja2: **/templates/**.html]\n")
    try:
        keywords = [arg for kw in ADMIN_KEYWORDS for arg in ("-k", kw)]
        pybabel("extract", "-F", mapping, *keywords, "--no-location", "--ignore-dirs", "tests", *common,
                "-o", pot_path("admin"), admin_dir)
    finally:
        os.remove(mapping)
    # WTForms' own template ships with the package and matches its code.
    with open(os.path.join(_package_dir("wtforms"), "locale", "wtforms.pot"), "rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        message.locations = []
    catalog.project = PROJECT
    with open(pot_path("wtforms"), "wb") as fh:
        write_po(fh, catalog, width=100, no_location=True)


def seed(domain, locale):
    """Fill empty entries from the upstream package's catalogue."""
    source = upstream_po(domain, locale)
    if source is None:
        return
    with open(source, "rb") as fh, contextlib.redirect_stdout(io.StringIO()):
        # (Upstream zh files claim two plural forms; Babel prints a warning per entry.)
        upstream = read_po(fh)
    path = po_path(domain, locale)
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    changed = False
    for message in catalog:
        if not message.id or _translated(message):
            continue
        other = upstream.get(message.id)
        if other is None or other.fuzzy or not _translated(other):
            continue
        string = other.string
        if isinstance(message.id, (list, tuple)):
            # Chinese has one plural form; upstream files sometimes claim two.
            first = string[0] if isinstance(string, (list, tuple)) else string
            string = tuple([first] * catalog.num_plurals)
        message.string = string
        changed = True
    if changed:
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=100, sort_by_file=domain == "messages", no_location=domain != "messages")


def update():
    for domain in DOMAINS:
        for locale in LOCALES:
            path = po_path(domain, locale)
            if not os.path.exists(path):
                pybabel("init", "-i", pot_path(domain), "-d", TRANSLATIONS, "-D", domain, "-l", locale, "-w", "100")
            else:
                pybabel("update", "-i", pot_path(domain), "-d", TRANSLATIONS, "-D", domain, "-l", locale,
                        "--ignore-obsolete", "--no-fuzzy-matching", "--ignore-pot-creation-date", "-w", "100")
            seed(domain, locale)


def compile_():
    for domain in DOMAINS:
        pybabel("compile", "-d", TRANSLATIONS, "-D", domain)


def _translated(message):
    string = message.string
    if isinstance(string, (list, tuple)):
        return all(string)
    return bool(string)


def problems():
    """(path, msgid, why) for every untranslated or fuzzy entry."""
    found = []
    for locale in sorted(os.listdir(TRANSLATIONS)):
        folder = os.path.join(TRANSLATIONS, locale, "LC_MESSAGES")
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".po"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                catalog = read_po(fh)
            for message in catalog:
                if not message.id:
                    continue
                if message.fuzzy:
                    found.append((path, message.id, "fuzzy"))
                elif not _translated(message):
                    found.append((path, message.id, "untranslated"))
    return found


def check():
    found = problems()
    for path, msgid, why in found:
        print(f"{os.path.relpath(path, ROOT)}: {why}: {msgid!r}")
    return 1 if found else 0


def todo(path):
    """Write {msgid: {locale: ""}} for every untranslated entry of ours, in a
    JSON file to fill in by hand and hand back to ``fill``."""
    import json

    wanted = {}
    for file, msgid, _why in problems():
        if os.path.basename(file) == "messages.po":
            locale = os.path.basename(os.path.dirname(os.path.dirname(file)))
            key = msgid if isinstance(msgid, str) else msgid[0]  # a plural: keyed by its singular, as fill reads it
            wanted.setdefault(key, {code: "" for code in LOCALES})[locale] = ""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(wanted, fh, ensure_ascii=False, indent=1)
    print(f"{len(wanted)} entries to translate in {path}")


def fill(source):
    """Fill empty entries of ours: from a JSON file of {msgid: {locale:
    text}}, or from another checkout's translations/ directory (merging
    branches: each keeps the translations the other added)."""
    import json

    if os.path.isdir(source):
        found = {}
        for locale in LOCALES:
            path = os.path.join(source, locale, "LC_MESSAGES", "messages.po")
            with open(path, "rb") as fh:
                for message in read_po(fh):
                    if message.id and _translated(message) and not message.fuzzy:
                        found.setdefault(message.id if isinstance(message.id, str) else message.id[0], {})[
                            locale] = message.string
    else:
        with open(source, encoding="utf-8") as fh:
            found = json.load(fh)
    filled = 0
    for locale in LOCALES:
        path = po_path("messages", locale)
        with open(path, "rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            key = message.id if isinstance(message.id, str) else (message.id[0] if message.id else None)
            text = found.get(key, {}).get(locale) if key else None
            if not text or _translated(message):
                continue
            if isinstance(message.id, (list, tuple)):
                text = tuple([text if isinstance(text, str) else text[0]] * catalog.num_plurals)
            message.string = text
            filled += 1
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=100, sort_by_file=True)
    compile_()
    print(f"filled {filled} entries")


def main(argv):
    commands = {"extract": extract, "update": update, "compile": compile_, "check": check}
    if len(argv) == 2 and argv[0] in ("todo", "fill"):
        return (todo if argv[0] == "todo" else fill)(argv[1]) or 0
    if len(argv) != 1 or argv[0] not in (*commands, "all"):
        print(__doc__)
        return 2
    if argv[0] == "all":
        extract()
        update()
        compile_()
        return check()
    return commands[argv[0]]() or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
