"""Template helpers for the member area and account pages."""

from django import template
from django.forms import CheckboxInput, CheckboxSelectMultiple, RadioSelect, Select

from crm import areas, permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def area_members(context):
    """The members the logged-in user acts for, for the side navigation."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    cached = getattr(request, "_area_members", None)
    if cached is None:
        cached = list(
            permissions.members_for_user(request.user).only("pk", "name", "kind")
        )
        request._area_members = cached
    return cached


@register.simple_tag(takes_context=True)
def user_areas(context, exclude=""):
    """The areas of the site the logged-in user may use (crm.areas), but
    ``exclude`` (the key of the one showing the link)."""
    request = context.get("request")
    if request is None:
        return []
    return [a for a in areas.areas_for(request.user) if a.key != exclude]


@register.filter
def widget_kind(field) -> str:
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        return "checkbox"
    if isinstance(widget, CheckboxSelectMultiple | RadioSelect):
        return "choices"
    if isinstance(widget, Select):
        return "select"
    return "input"


@register.simple_tag
def render_widget(field, css_class="form-control"):
    """The widget with Bootstrap Italia classes and its help and errors linked."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        css_class += " is-invalid"
    attrs = {"class": css_class}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.field.required:
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def is_mapping(value) -> bool:
    return isinstance(value, dict)


@register.filter
def is_sequence(value) -> bool:
    return isinstance(value, list | tuple)


@register.filter
def labelise(key) -> str:
    """A field name readable as a label in the generic parts of “my data”."""
    return str(key).replace("_", " ").capitalize()


@register.filter
def as_minutes(delta) -> int:
    """A timedelta in whole minutes (at least one)."""
    try:
        return max(1, round(delta.total_seconds() / 60))
    except AttributeError:
        return 0
