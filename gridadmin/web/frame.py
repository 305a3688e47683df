"""The frame around every page (navbar menu, static URLs, a list's filter
menu), worked out once and kept: rendered per request it cost more than a
list's rows (issue 13). Each cache belongs to its app.

The menu's HTML depends only on which entries the user may open, which
page is shown, the language and the URL root: those are its cache key, so
a cached menu is the one Flask-Admin's macro would render now. Which
entries a user may open depends on the user's row (role, bindings; the
permission matrix is code), kept by its id and version.
"""

import time

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

CACHE_SIZE = 512  # roles × pages × languages: a few hundred at most
# A list's filter menu (labels, operations, the lookup tables' rows) is the
# same for every user of a role, language and view. Lookup tables are
# edited by administrators: kept this long, and read again after any POST
# in this process (the editor sees the change at once, other processes
# within this time).
FILTER_SECONDS = 10


def cache(name):
    """This app's cache ``name`` (a dict, emptied when it grows past CACHE_SIZE)."""
    caches = current_app.extensions.setdefault("gridadmin_frame", {})
    found = caches.get(name)
    if found is None or len(found) >= CACHE_SIZE:
        found = caches[name] = {}
    return found


def _access(items):
    """Which menu entries (and category children) the user may see, in order."""
    shown = []
    for item in items:
        if item.is_category():
            shown.append(tuple(_access(item.get_children())))
        else:
            shown.append(bool(item.is_accessible() and item.is_visible()))
    return shown


def _user_key():
    """The user's row as it decides menu entries (role, bindings): every
    change to a user bumps its version."""
    user = current_user._get_current_object() if current_user else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (user.id, getattr(user, "version", None), user.role, user.active,
            *(getattr(user, f"{name}_id", None) for name in ("grid", "department", "team", "worker", "volunteer")))


def menu(admin_view, render, links=False):
    """The navbar's menu (``links``: its right-hand links) as Flask-Admin's
    ``layout.menu()`` / ``layout.menu_links()`` (``render``) draws it, from
    the cache when the same entries were drawn for the same page before."""
    admin = admin_view.admin
    items = admin.menu_links() if links else admin.menu()
    # Which entries the user may open: asked of each entry once per user
    # row (forty is_accessible() calls a page otherwise).
    user, accesses = _user_key(), cache("menu_access")
    access = accesses.get((links, user)) if user is not None else None
    if access is None:
        access = tuple(_access(items))
        if user is not None:
            accesses[(links, user)] = access
    key = (links, str(get_locale()), request.script_root, admin_view.endpoint, access)
    menus = cache("menus")
    html = menus.get(key)
    if html is None:
        html = menus[key] = render()
    return html


def fixed_url(endpoint, **values):
    """``url_for`` of a page or file whose URL depends on nothing but its
    arguments (static files, logout, the manifest): built once, not on every
    page (a page links some twenty scripts and style sheets)."""
    key = (request.script_root, endpoint, tuple(sorted(values.items())))
    urls = cache("urls")
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for(endpoint, **values)
    return url


def filter_groups(key, compute):
    """A list's filter groups (``compute()``), kept FILTER_SECONDS."""
    now = time.monotonic()
    groups = cache("filter_groups")
    kept = groups.get(key)
    if kept is None or kept[0] < now:
        kept = groups[key] = (now + FILTER_SECONDS, compute())
    return kept[1]


def forget(app):
    """Drop every kept piece (a test binds the app to a fresh database)."""
    app.extensions.pop("gridadmin_frame", None)


def forget_after_post(response):
    if request.method == "POST":
        cache("filter_groups").clear()
    return response
