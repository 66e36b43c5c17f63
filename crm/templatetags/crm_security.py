from django import template

from crm.security.second_factor import needs_second_factor as _needs

register = template.Library()


@register.filter
def needs_second_factor(user) -> bool:
    """Whether ``user``'s roles require a second factor (the back office)."""
    return _needs(user)
