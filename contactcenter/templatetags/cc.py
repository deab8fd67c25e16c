from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ colleagues|get_item:queue_id }}`: a dict lookup by a variable key."""
    try:
        return mapping.get(key, [])
    except AttributeError:
        return []


@register.filter
def duration(value) -> str:
    """A wait or a time in status as m:ss (h:mm:ss past an hour); "—" when unknown."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, timedelta):
        return str(value)
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"
