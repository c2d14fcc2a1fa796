"""Photos: decoded and re-encoded with Pillow, metadata stripped, thumbnails made, random names."""
import hashlib
import io
import os
import secrets
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from workflows.machine import N_

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO", "BMP", "HEIF"}


class UploadError(Exception):
    """A refused upload; `message` is a msgid, `params` fill its placeholders."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params


def read_limited(storage, limit):
    """The file's bytes, refusing more than `limit` without reading it all into memory first."""
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(N_("“%(name)s” is larger than %(mb)s MB."), name=storage.filename or "", mb=limit // 2**20)
    return data


def process_photo(storage, kind="before"):
    """Decode, re-encode and store one uploaded photo; returns Attachment fields.

    Anything Pillow cannot decode as an image is refused; EXIF (GPS, camera) is dropped
    because only pixels are re-encoded.
    """
    config = current_app.config
    data = read_limited(storage, config["MAX_PHOTO_BYTES"])
    if not data:
        raise UploadError(N_("“%(name)s” is empty."), name=storage.filename or "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise UploadError(N_("“%(name)s” is not a photo."), name=storage.filename or "")
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise UploadError(N_("“%(name)s” is not a photo."), name=storage.filename or "") from exc
    image = ImageOps.exif_transpose(image).convert("RGB")
    side = config["PHOTO_MAX_SIDE"]
    if max(image.size) > side:
        image.thumbnail((side, side))
    thumb = image.copy()
    thumb.thumbnail(config["THUMBNAIL_SIZE"])
    name = secrets.token_hex(16)
    folder = config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    path, thumb_path = f"{name}.jpg", f"{name}.thumb.jpg"
    full = _save(image, os.path.join(folder, path))
    _save(thumb, os.path.join(folder, thumb_path))
    return {
        "kind": kind, "path": path, "thumb_path": thumb_path, "content_type": "image/jpeg",
        "width": image.width, "height": image.height, "size": len(full), "sha256": hashlib.sha256(full).hexdigest(),
    }


def process_photos(storages, kind="before"):
    """Process several uploads; if one is refused, the ones already stored are removed."""
    files = [s for s in storages if s and s.filename]
    if len(files) > current_app.config["MAX_PHOTOS"]:
        raise UploadError(N_("At most %(n)s photos at a time."), n=current_app.config["MAX_PHOTOS"])
    done = []
    try:
        for storage in files:
            done.append(process_photo(storage, kind))
    except UploadError:
        discard(done)
        raise
    return done


def discard(items):
    """Delete stored files of attachments that were never recorded."""
    folder = current_app.config["UPLOAD_FOLDER"]
    for item in items:
        for key in ("path", "thumb_path"):
            if not item.get(key):
                continue
            try:
                os.remove(os.path.join(folder, item[key]))
            except FileNotFoundError:
                pass


def _save(image, path):
    """Write a JPEG without metadata; returns its bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    data = buffer.getvalue()
    with open(path, "wb") as handle:
        handle.write(data)
    return data


# ---- evidence files (the 1000-point assessment's entries): photos or PDFs ----

PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "gif", "bmp", "heic", "heif", "mpo"}


def _extension(name):
    base = os.path.basename((name or "").replace("\\", "/"))
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


def process_pdf(storage):
    """Store one uploaded PDF under a random name (it must begin with `%PDF-`); returns its fields."""
    data = read_limited(storage, current_app.config["MAX_EVIDENCE_PDF_BYTES"])
    if not data:
        raise UploadError(N_("“%(name)s” is empty."), name=storage.filename or "")
    if not data.startswith(b"%PDF-"):
        raise UploadError(N_("“%(name)s” is not a PDF."), name=storage.filename or "")
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    path = f"{secrets.token_hex(16)}.pdf"
    with open(os.path.join(folder, path), "wb") as handle:
        handle.write(data)
    return {"path": path, "thumb_path": None, "content_type": "application/pdf", "size": len(data)}


def process_evidence(storages):
    """Check and store evidence files: photos (re-encoded) or PDFs, each named for what it is; if one is
    refused, none is kept. Returns the fields of each (with the uploaded name as `original_name`)."""
    files = [s for s in storages if s and s.filename]
    if len(files) > current_app.config["MAX_PHOTOS"]:
        raise UploadError(N_("At most %(n)s files at a time."), n=current_app.config["MAX_PHOTOS"])
    done = []
    try:
        for storage in files:
            head = storage.stream.read(5)
            storage.stream.seek(0)
            extension = _extension(storage.filename)
            if head == b"%PDF-":
                if extension != "pdf":
                    raise UploadError(N_("“%(name)s” is neither a photo nor a PDF."), name=storage.filename)
                stored = process_pdf(storage)
            elif extension in PHOTO_EXTENSIONS or (not extension and head):
                stored = process_photo(storage, kind="evidence")
            elif not head:
                raise UploadError(N_("“%(name)s” is empty."), name=storage.filename)
            else:
                raise UploadError(N_("“%(name)s” is neither a photo nor a PDF."), name=storage.filename)
            done.append({key: stored[key] for key in ("path", "thumb_path", "content_type", "size")}
                        | {"original_name": os.path.basename(storage.filename.replace("\\", "/"))[:200]})
    except UploadError:
        discard(done)
        raise
    return done
