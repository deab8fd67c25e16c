"""Strings Django itself shows that its Spanish catalog does not translate yet. Marked here so
`make messages` keeps them in our catalog (ours is searched first)."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # the empty choice of select fields (Django 6.1)
]
