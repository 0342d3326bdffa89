"""A non-editable install must carry every package, template and data file."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_for_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("casework", "workflows", "notifications")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert config["package-dir"] == {"casework.templates": "templates"}
    assert "casework.templates" in listed


def test_templates_are_found_where_a_wheel_puts_them():
    from casework import _template_folder

    assert (Path(_template_folder()) / "base.html").exists()


def test_compiled_translations_ship_as_package_data():
    from fnmatch import fnmatch

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["casework"]
    compiled = sorted((ROOT / "casework").glob("translations/*/LC_MESSAGES/messages.mo"))
    assert compiled, "no compiled catalogues: run `make translations`"
    for path in compiled:
        relative = path.relative_to(ROOT / "casework").as_posix()
        assert any(fnmatch(relative, p) for p in patterns), f"{relative} is not package data"
