"""The worker (`manage.py db_worker`) asks the queue for jobs as often as TASKS_POLL_MS says,
unless told otherwise: an upload waits half of that on average before it starts."""

from django.core.management import get_commands, load_command_class


def worker_parser(settings):
    # The tests run jobs at once (the immediate backend); the worker serves the database's queue.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    command = load_command_class(get_commands()["db_worker"], "db_worker")
    return command.create_parser("manage.py", "db_worker")


def test_the_projects_worker_takes_the_place_of_the_librarys():
    assert get_commands()["db_worker"] == "viewer"


def test_an_idle_worker_polls_as_often_as_the_setting_says(settings):
    settings.TASKS_POLL_MS = 50
    assert worker_parser(settings).parse_args([]).interval == 0.05


def test_the_command_line_interval_still_wins(settings):
    settings.TASKS_POLL_MS = 50
    assert worker_parser(settings).parse_args(["--interval", "2"]).interval == 2
