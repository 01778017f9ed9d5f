class WorkflowConverter:
    """Matches only the workflows' names, so /admin/... and others never reach a workflow view."""

    regex = "standard|academic"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
