"""Configuration from environment variables (documented in the README)."""

import os
import secrets

from .services import backups, photos, points, sessions


def _number(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _secret_key(instance_path):
    """GRIDADMIN_SECRET_KEY, or one generated once and kept under instance/."""
    key = os.environ.get("GRIDADMIN_SECRET_KEY")
    if key:
        return key
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        # Exclusive create: two processes starting at once keep one key.
        try:
            with open(path, "x", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    with open(path, encoding="ascii") as fh:
        return fh.read().strip()


def load_config(instance_path):
    default_db = "sqlite:///" + os.path.join(instance_path, "gridadmin.db").replace("\\", "/")
    return {
        "DATABASE_URL": os.environ.get("GRIDADMIN_DATABASE_URL", default_db),
        "SECRET_KEY": _secret_key(instance_path),
        "TIMEZONE": os.environ.get("GRIDADMIN_TIMEZONE", "Asia/Shanghai"),
        "ADMIN_PASSWORD": os.environ.get("GRIDADMIN_ADMIN_PASSWORD"),
        "HOST": os.environ.get("GRIDADMIN_HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("GRIDADMIN_PORT", "5000")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("GRIDADMIN_HTTPS", "") == "1",
        # Logins end after this long without a request, and this long after they began.
        "SESSION_IDLE_MINUTES": _number("GRIDADMIN_SESSION_IDLE_MINUTES", sessions.IDLE_MINUTES),
        "SESSION_LIFETIME_HOURS": _number("GRIDADMIN_SESSION_LIFETIME_HOURS", sessions.LIFETIME_HOURS),
        # Closing on the spot earns points at most this many times per worker and day.
        "POINTS_ON_SPOT_PER_DAY": _number("GRIDADMIN_POINTS_ON_SPOT_PER_DAY", points.ON_SPOT_DAILY_LIMIT),
        # The running app's daily verified backup of the SQLite database (services.backups).
        "BACKUP_DIR": os.environ.get("GRIDADMIN_BACKUP_DIR") or os.path.join(instance_path, "backups"),
        "BACKUP_KEEP": _number("GRIDADMIN_BACKUP_KEEP", backups.KEEP),
        "PROXIES": int(os.environ.get("GRIDADMIN_PROXIES", "0") or 0),
        # Ticket photos' files (None: in the database); every app server must see the same directory.
        "PHOTO_DIR": os.environ.get("GRIDADMIN_PHOTO_DIR") or None,
        # The map's tiles (README, "The map"): a 天地图 key, or a tile server's URL
        # template and what its tiles expect (wgs84, or gcj02); neither: no tiles.
        "MAP_TIANDITU_KEY": os.environ.get("GRIDADMIN_MAP_TIANDITU_KEY") or None,
        "MAP_TILE_URL": os.environ.get("GRIDADMIN_MAP_TILE_URL") or None,
        "MAP_TILE_COORDS": os.environ.get("GRIDADMIN_MAP_TILE_COORDS", "wgs84"),
        "MAP_TILE_ATTRIBUTION": os.environ.get("GRIDADMIN_MAP_TILE_ATTRIBUTION") or None,
        # A form with a full set of photos, and room for its other fields.
        "MAX_CONTENT_LENGTH": photos.MAX_FILES * photos.MAX_BYTES + 1024 * 1024,
    }
