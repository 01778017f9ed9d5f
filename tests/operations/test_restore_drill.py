"""The restore drill (manage.py restore_drill) run for real: a site served by gunicorn on the
test database (PostgreSQL: the drill restores into a throwaway database beside it; SQLite: into a
new file), backed up, restored, served by a second gunicorn, and a case's pages and image files
compared byte for byte. And a drill that finds a difference fails, naming it."""

import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from tests.dicom_factory import ct_series
from tests.factories import add_dicom, make_case, seed_vocabularies
from tests.operations.sites import ROOT, app_environment, serving

# The servers and the drill read what the test commits.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("seeded_again_afterwards")]


@pytest.fixture
def case(alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_vocabularies()
    case = make_case(alice, images=2)
    add_dicom(case.studies.get(), ct_series(3))
    return case


def drill(env, site, case):
    return subprocess.run(
        [sys.executable, "manage.py", "restore_drill", "--site", site, "--case", str(case.pk)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def figures(output):
    """The drill's `name: value unit` lines, as {name: value}."""
    found = {}
    for line in output.splitlines():
        name, colon, rest = line.partition(": ")
        if colon and len(rest.split()) == 2:
            found[name] = float(rest.split()[0])
    return found


def test_a_restored_copy_serves_the_cases_pages_and_images_with_the_same_bytes(case, tmp_path):
    env = app_environment(settings.MEDIA_ROOT, LOG_FORMAT="text")
    with serving(env, tmp_path) as live:
        done = drill(env, live.base, case)
    assert done.returncode == 0, done.stderr + done.stdout
    shown = figures(done.stdout)
    # Two pages and two manifests (pictures, CT), 5 images × 3 renditions, 3 slices' values.
    assert shown["compared"] == 2 + 4 + 5 * 3 + 3
    assert shown["differing"] == 0
    assert shown["media files"] >= 5 * 3 + 3
    assert {"backup", "restore", "media size"} <= set(shown)
    assert f"Case {case.pk}:" in done.stdout


def test_the_drill_fails_naming_what_the_restored_copy_serves_differently(case, tmp_path):
    """The site it compares with serves a copy of the media with one rendition changed."""
    changed = tmp_path / "changed-media"
    shutil.copytree(settings.MEDIA_ROOT, changed)
    image = case.studies.get().images.order_by("pk").first()
    (changed / image.display.name).write_bytes(b"not the stored rendition")
    env = app_environment(settings.MEDIA_ROOT, LOG_FORMAT="text")
    with serving({**env, "MEDIA_ROOT": str(changed)}, tmp_path) as live:
        done = drill(env, live.base, case)
    assert done.returncode != 0
    assert f"/images/{image.pk}/display/: different bytes" in done.stderr
    assert figures(done.stdout)["differing"] == 1
