"""Vendored assets match their manifest; every text in the code has a Chinese translation."""
import hashlib
import json
import os
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def test_vendored_files_match_the_manifest():
    vendor = os.path.join(ROOT, "static", "vendor")
    with open(os.path.join(vendor, "MANIFEST.json")) as handle:
        manifest = json.load(handle)
    assert manifest, "the manifest lists the vendored assets"
    listed = {entry["file"] for entry in manifest}
    on_disk = {name for name in os.listdir(vendor) if name not in ("MANIFEST.json", "vendor.py", "__pycache__")}
    assert listed == on_disk
    for entry in manifest:
        with open(os.path.join(vendor, entry["file"]), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == entry["sha256"], entry["file"]
        assert entry["version"] and entry["package"]


def test_no_template_loads_from_the_network():
    for folder, _, files in os.walk(os.path.join(ROOT, "templates")):
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            assert "http://" not in text and "https://" not in text and 'src="//' not in text, name


def test_every_message_has_a_chinese_translation(tmp_path):
    """Extract the catalogue afresh: each msgid must be translated (and not fuzzy) in zh_Hans_CN."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "pybabel"), "-q", "extract", "-F", "babel.cfg", "-k", "_l",
         "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(os.path.join(ROOT, "app", "translations", "zh_Hans_CN", "LC_MESSAGES", "messages.po"), "rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated (run `make messages` and translate): {missing}"
