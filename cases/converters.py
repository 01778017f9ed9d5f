from django.urls import register_converter


class WorkflowConverter:
    """Matches only the workflows' names, so /admin/... and others never reach a workflow view."""

    regex = "standard|academic"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


# Converters are global: registered once here, used by cases' and viewer's URLs alike.
register_converter(WorkflowConverter, "workflow")
