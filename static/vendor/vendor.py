"""Fetch the pinned front-end assets from the npm registry and record them in MANIFEST.json.

Run `python static/vendor/vendor.py` after changing PINS; commit the files and the manifest.
The app never loads anything from a CDN: these files are served from static/vendor/.
"""
import hashlib
import json
import os
import subprocess
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# npm package, version, file inside the package, name under static/vendor/.
PINS = [
    ("htmx.org", "2.0.11", "package/dist/htmx.min.js", "htmx.min.js"),
    ("mermaid", "11.17.2", "package/dist/mermaid.min.js", "mermaid.min.js"),
    ("echarts", "6.1.0", "package/dist/echarts.min.js", "echarts.min.js"),
    # The service worker (static/js/sw.js): workbox-sw loads the others from here (modulePathPrefix).
    ("workbox-sw", "7.4.1", "package/build/workbox-sw.js", "workbox-sw.js"),
    ("workbox-core", "7.4.1", "package/build/workbox-core.prod.js", "workbox-core.prod.js"),
    ("workbox-routing", "7.4.1", "package/build/workbox-routing.prod.js", "workbox-routing.prod.js"),
    ("workbox-strategies", "7.4.1", "package/build/workbox-strategies.prod.js", "workbox-strategies.prod.js"),
    ("workbox-precaching", "7.4.1", "package/build/workbox-precaching.prod.js", "workbox-precaching.prod.js"),
    ("workbox-cacheable-response", "7.4.1", "package/build/workbox-cacheable-response.prod.js",
     "workbox-cacheable-response.prod.js"),
]


def sha256(path):
    """Hex SHA-256 of a file."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def main():
    """Download each pinned package with `npm pack` and copy the named file out."""
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for package, version, member, target in PINS:
            out = subprocess.run(
                ["npm", "pack", f"{package}@{version}", "--json"], cwd=tmp, check=True, capture_output=True, text=True
            )
            info = json.loads(out.stdout)[0]
            with tarfile.open(os.path.join(tmp, info["filename"])) as tar:
                data = tar.extractfile(member).read()
            with open(os.path.join(HERE, target), "wb") as handle:
                handle.write(data)
            entries.append({
                "file": target, "package": package, "version": version, "source": member,
                "integrity": info["integrity"], "sha256": sha256(os.path.join(HERE, target)),
            })
    with open(os.path.join(HERE, "MANIFEST.json"), "w") as handle:
        json.dump(entries, handle, indent=2)
        handle.write("\n")


if __name__ == "__main__":
    main()
