"""`{% load policies %}{% if request.user|may:"access_config" %}`: templates ask the same policy
functions as the views and services (contactcenter/services/policies.py), so a control the
user may not use is not shown."""

from django import template

from contactcenter.services import policies

register = template.Library()


@register.filter
def may(user, feature: str) -> bool:
    check = getattr(policies, f"can_{feature}", None)
    if check is None:
        raise template.TemplateSyntaxError(f"No policy can_{feature} in contactcenter/services/policies.py")
    return bool(getattr(user, "is_authenticated", False)) and check(user)
