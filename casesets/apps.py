from django.apps import AppConfig


class CaseSetsConfig(AppConfig):
    name = "casesets"
    verbose_name = "Case sets"

    def ready(self):
        from casesets import downloads  # noqa: F401  a deleted set's files go with it
