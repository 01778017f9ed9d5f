"""One of several processes writing to one SQLite file at once (test_sqlite_concurrency.py).

Run as `python -m tests.security.concurrent_writer NAME COUNT WRITERS READY_FOLDER`, with
DATABASE_URL naming the migrated file: it waits until all WRITERS have started, so that their
writes overlap, then as contributor NAME saves COUNT cases, each with a picture uploaded through
viewer.uploads.add_files, as the admin does.
"""

import sys
import time
from pathlib import Path

import django


def wait_for_the_others(ready_folder, name, writers):
    (ready_folder / name).touch()
    for _ in range(6000):  # a minute at most, should one of them never start
        if len(list(ready_folder.iterdir())) >= writers:
            return
        time.sleep(0.01)


def main(name, count, writers, ready_folder):
    django.setup()
    from cases import roles
    from tests.factories import make_case, make_user

    wait_for_the_others(ready_folder, name, writers)
    author = make_user(name, roles.CONTRIBUTORS, is_staff=True)
    for n in range(count):
        make_case(author, images=1, title=f"Case {n} of {name}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
