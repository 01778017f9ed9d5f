"""Form widgets of the browse pages."""

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A <select> written out in Python, the same HTML Django's select.html, select_option.html
    and attrs.html templates render: the browse form's seven selects hold ~70 options, and
    their templates, included once per option, took 4-5 ms of every search page rendered."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)  # no <optgroup> written here
        options = "".join(
            format_html('\n  <option value="{}"{}>{}</option>\n', option["value"],
                        _attrs(option["attrs"]), option["label"])
            for _, group, _ in widget["optgroups"] for option in group
        )
        return mark_safe(f'<select name="{conditional_escape(widget["name"])}"'
                         f'{_attrs(widget["attrs"])}>{options}\n</select>')


def _attrs(attrs):
    """attrs.html: ` name="value"` each, ` name` alone when True, nothing when False."""
    return mark_safe("".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items() if value is not False
    ))
