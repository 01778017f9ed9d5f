from django.apps import AppConfig


class CaseSetsConfig(AppConfig):
    name = "casesets"
    verbose_name = "Case sets"
