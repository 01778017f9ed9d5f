"""The DICOM package is plain Python: every module of dicom/ imports, and works, in an interpreter
where Django is neither configured nor imported."""

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import dicom

ROOT = Path(dicom.__file__).resolve().parent.parent
MODULES = sorted(f"dicom.{module.name}" for module in pkgutil.iter_modules(dicom.__path__))

IMPORT_ALL = f"""
import importlib, os, sys
assert "DJANGO_SETTINGS_MODULE" not in os.environ
for name in {MODULES!r}:
    importlib.import_module(name)
print(sorted(name for name in sys.modules if name == "django" or name.startswith("django.")))
"""


def without_django_settings():
    return {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}


def test_every_module_of_the_package_imports_without_django():
    run = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL],
        cwd=ROOT,
        env=without_django_settings(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"


def test_the_modules_imported_are_all_the_package_holds():
    files = {path.stem for path in (ROOT / "dicom").glob("*.py") if path.stem != "__init__"}

    assert {name.removeprefix("dicom.") for name in MODULES} == files
    assert "dicom.reading" in MODULES


def test_every_module_says_what_it_owns():
    for path in (ROOT / "dicom").glob("*.py"):
        docstring = ast.get_docstring(ast.parse(path.read_text()))

        assert docstring and len(docstring) > 40, f"{path.name} has no module docstring"
