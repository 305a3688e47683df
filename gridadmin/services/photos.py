"""Ticket photos: checked, turned upright, stripped of metadata, shrunk and
stored as JPEG, in the database or in a storage directory every app server
shares. Photos are never deleted or replaced through the app."""

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from ..models import TicketPhoto
from .errors import RuleError

MAX_BYTES = 15 * 1024 * 1024  # one uploaded file
MAX_FILES = 6  # photos at one step (report, or one handling)
# Decoding needs about 4 bytes a pixel: 50 million covers a 48 MP phone camera
# at full resolution and keeps one upload well under a few hundred MB.
MAX_PIXELS = 50_000_000
LONG_SIDE = 1600
THUMB_SIDE = 240
QUALITY = 85
THUMB_QUALITY = 80
STAGES = ("report", "handling")
# Formats people's phones and cameras produce; anything else is refused
# before a decoder for an exotic format ever sees it (JPEG includes MPO).
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
# A stored file's name: a two-character fan-out directory and a random token.
STORED_NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.jpg$")


@dataclass(frozen=True)
class Prepared:
    image: bytes  # JPEG, long side at most LONG_SIDE, no metadata
    thumbnail: bytes  # JPEG, long side at most THUMB_SIDE
    width: int
    height: int


def _display_name(filename):
    """The name as people recognise it in a message: no client path, not too long."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    return (name[:60] + "…" if len(name) > 61 else name) or "?"


def _jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _has_alpha(img):
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


class _TooManyPixels(Exception):
    def __init__(self, pixels):
        self.pixels = pixels


def _decode(data):
    """The picture, upright and at most LONG_SIDE on its long side, as a fresh
    RGB image carrying no metadata at all (EXIF, GPS, XMP, comments, ICC)."""
    with Image.open(io.BytesIO(data), formats=FORMATS) as img:
        width, height = img.size
        if width * height > MAX_PIXELS:
            raise _TooManyPixels(width * height)
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: ask for no less than needed.
        long_side = max(width, height)
        if long_side > LONG_SIDE:
            img.draft(None, (-(-width * LONG_SIDE // long_side), -(-height * LONG_SIDE // long_side)))
        img.load()
        ImageOps.exif_transpose(img, in_place=True)
        alpha = _has_alpha(img)
        if img.mode.startswith("I"):
            # 16-bit greyscale: scale to 8 bits (a plain convert would clip it white).
            img = img.convert("I").point(lambda v: v / 257).convert("L")
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA" if alpha else "RGB")
        img.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
        # A new canvas: nothing of the upload's metadata can come along.
        clean = Image.new("RGB", img.size, "white")
        clean.paste(img, mask=img.getchannel("A") if img.mode == "RGBA" else None)
        return clean


def prepare(filename, data):
    """Check one uploaded file and make its stored JPEG and thumbnail."""
    name = _display_name(filename)
    if not data:
        raise RuleError("“%(name)s” is empty.", field="photos", name=name)
    if len(data) > MAX_BYTES:
        raise RuleError("“%(name)s” is larger than %(size)s MB.", field="photos", name=name,
                        size=MAX_BYTES // (1024 * 1024))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = _decode(data)
    except (_TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RuleError("“%(name)s” has too many pixels: at most %(limit)s million.", field="photos", name=name,
                        limit=MAX_PIXELS // 1_000_000) from None
    except Exception:
        # Whatever a decoder raises on a file that is not a (whole) image.
        raise RuleError("“%(name)s” is not a photo that can be read: choose a JPEG, PNG, WebP, GIF, BMP or "
                        "TIFF image.", field="photos", name=name) from None
    thumb = img.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return Prepared(image=_jpeg(img, QUALITY), thumbnail=_jpeg(thumb, THUMB_QUALITY),
                    width=img.width, height=img.height)


def _write_file(storage_dir, data):
    """Write ``data`` under a new random name, atomically: other servers see
    the whole file or none. Returns the stored name."""
    token = secrets.token_hex(16)
    stored_name = f"{token[:2]}/{token}.jpg"
    directory = os.path.join(storage_dir, token[:2])
    os.makedirs(directory, exist_ok=True)
    # Not mkstemp: its 0600 would hide the file from servers running as another user.
    temp_path = os.path.join(directory, f".{token}.tmp")
    try:
        with open(temp_path, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp_path, os.path.join(directory, f"{token}.jpg"))
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise
    return stored_name


def _path(storage_dir, stored_name):
    if not STORED_NAME.match(stored_name or ""):
        raise ValueError(f"not a stored photo name: {stored_name!r}")
    return os.path.join(storage_dir, *stored_name.split("/"))


def prepare_all(files):
    """Check and convert a step's files ([(filename, bytes)]): a RuleError for
    too many or for the first bad one. Items already ``Prepared`` pass as
    they are, so a caller can do this slow part before its transaction."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise RuleError("At most %(count)s photos at a time.", field="photos", count=MAX_FILES)
    return [item if isinstance(item, Prepared) else prepare(*item) for item in files]


def attach(ticket, stage, files, storage_dir=None):
    """Store ``files`` ([(filename, bytes)] or ``prepare_all``'s result) as
    ``ticket``'s photos at ``stage``. Every file is checked before anything
    is written, so one bad file stores nothing. Call it inside the caller's
    transaction: it does not commit. With ``storage_dir``, the images go to
    files there (written before the rows; a rolled-back transaction leaves
    files no row names, harmless but not cleaned up)."""
    if stage not in STAGES:
        raise ValueError(f"unknown photo stage: {stage!r}")
    prepared = prepare_all(files)
    written, photos = [], []
    try:
        for item in prepared:
            stored_name = _write_file(storage_dir, item.image) if storage_dir else None
            if stored_name:
                written.append(stored_name)
            photos.append(TicketPhoto.create(
                ticket=ticket, stage=stage, width=item.width, height=item.height, byte_size=len(item.image),
                image=None if stored_name else item.image, stored_name=stored_name, thumbnail=item.thumbnail))
    except BaseException:
        for stored_name in written:
            try:
                os.remove(_path(storage_dir, stored_name))
            except OSError:
                pass
        raise
    return photos


def read(photo, storage_dir=None):
    """The full image's bytes: from the row, or from its file. A photo stored
    in the database stays readable after a storage directory is configured."""
    if photo.image is not None:
        return bytes(photo.image)
    if not storage_dir:
        raise FileNotFoundError(f"photo {photo.id} is stored in a file but no storage directory is configured")
    with open(_path(storage_dir, photo.stored_name), "rb") as fh:
        return fh.read()
