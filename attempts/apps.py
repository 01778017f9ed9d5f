from django.apps import AppConfig


class AttemptsConfig(AppConfig):
    name = "attempts"
    verbose_name = "Attempts"

    def ready(self):
        from attempts import difficulty  # noqa: F401  (connects its signal receivers)
