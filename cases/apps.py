from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Teaching cases"

    def ready(self):
        from cases import signals  # noqa: F401  (keeps homepage statistics fresh)
