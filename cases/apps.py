from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Teaching cases"

    def ready(self):
        from cases import signals  # noqa: F401  (keeps what is derived from cases fresh)
        from cases.roles import ensure_groups

        # After every app, not only this one: the viewer and taggit permissions come later.
        post_migrate.connect(ensure_groups, dispatch_uid="cases.ensure_groups")
