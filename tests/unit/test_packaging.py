"""The installed package is the product: a built wheel carries templates, static files, migrations and
the catalogue, and serves pages on its own (no source checkout beside it)."""
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

SERVE = r"""
import sys, tempfile, os
sys.path.insert(0, sys.argv[1])
import app
assert app.__file__.startswith(sys.argv[1]), app.__file__
from app import create_app
from app.db import migrate
from workflows.db import db
folder = tempfile.mkdtemp()
application = create_app({"DATABASE_URL": f"sqlite:///{folder}/w.db", "SECRET_KEY": "k", "UPLOAD_FOLDER": folder})
migrate(db.obj)
client = application.test_client()
page = client.get("/login")
css = client.get("/static/css/app.css")
print(page.status_code, css.status_code, "登录" in page.get_data(as_text=True), application.template_folder)
"""


def packages_on_disk():
    """Every Python package folder of the project (with an __init__.py), dotted."""
    return sorted(".".join(path.parent.relative_to(ROOT).parts) for folder in ("app", "workflows")
                  for path in (ROOT / folder).rglob("__init__.py"))


def test_every_package_is_listed_for_the_wheel():
    import tomllib

    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert sorted(set(packages_on_disk()) - set(listed)) == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel built from this checkout (the catalogue compiled first, as `make` does)."""
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"  # built from a copy: setuptools writes build/ and egg-info where it builds
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".lockenv", "instance", "build", "*.egg-info", ".data", "test-artifacts", "__pycache__"))
    subprocess.run([str(pathlib.Path(sys.executable).with_name("pybabel")), "-q", "compile", "-d",
                    str(ROOT / "app" / "translations")], check=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(source)], check=True, capture_output=True)
    return next(out.glob("gridcase-*.whl"))


def test_the_wheel_carries_what_a_server_needs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("app/templates/base.html", "app/static/vendor/MANIFEST.json", "app/static/css/app.css",
                   "app/migrations/0001_initial.py", "app/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
                   "workflows/machine.py"):
        assert needed in names


def test_a_built_wheel_serves_pages(wheel, tmp_path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    done = subprocess.run([sys.executable, "-c", SERVE, str(target)], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    status, css, chinese, folder = done.stdout.split()
    assert (status, css, chinese) == ("200", "200", "True")
    assert folder.startswith(str(target))
