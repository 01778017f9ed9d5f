from django.apps import AppConfig


class ViewerConfig(AppConfig):
    name = "viewer"
    verbose_name = "Images"

    def ready(self):
        from viewer import signals  # noqa: F401  (stored files follow their rows)
