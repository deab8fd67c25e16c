"""Strings Django itself shows, in the project's catalog: ones its Spanish catalog does not
translate yet, and ones it says with "usted" where the app says "tú" (the login form, the password
forms and validators, form field errors, the admin's login). Marked here so `make messages`
keeps them in our catalog (ours is searched first)."""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # the empty choice of select fields (Django 6.1)
    gettext_noop('Please enter a correct %(username)s and password. Note that both fields may be '
                 'case-sensitive.'),
    gettext_noop('Please enter the correct %(username)s and password for a staff account. Note that '
                 'both fields may be case-sensitive.'),
    gettext_noop('This account is inactive.'),
    gettext_noop('Your old password was entered incorrectly. Please enter it again.'),
    gettext_noop('The two password fields didn’t match.'),
    gettext_noop('Enter the same password as before, for verification.'),
    gettext_noop('Your password can’t be too similar to your other personal information.'),
    gettext_noop('Your password can’t be a commonly used password.'),
    gettext_noop('Your password can’t be entirely numeric.'),
    gettext_noop('This password is too common.'),
    gettext_noop('This password is entirely numeric.'),
    gettext_noop('The password is too similar to the %(verbose_name)s.'),
    gettext_noop('Enter new password'),
    gettext_noop('Enter a valid email address.'),
    gettext_noop('Enter a valid date.'),
    gettext_noop('Enter a valid time.'),
    gettext_noop('Enter a valid date/time.'),
    gettext_noop('Enter a whole number.'),
    gettext_noop('Enter a number.'),
    gettext_noop('Enter a valid URL.'),
    gettext_noop('Enter a valid value.'),
    gettext_noop('Select a valid choice. %(value)s is not one of the available choices.'),
    gettext_noop('Select a valid choice. That choice is not one of the available choices.'),
    gettext_noop('Ensure this value is less than or equal to %(limit_value)s.'),
    gettext_noop('Ensure this value is greater than or equal to %(limit_value)s.'),
    gettext_noop('Upload a valid image. The file you uploaded was either not an image or a corrupted image.'),
    gettext_noop('No file was submitted. Check the encoding type on the form.'),
    gettext_noop('You are authenticated as %(username)s, but are not authorized to access this page. '
                 'Would you like to login to a different account?'),
    gettext_noop('Forgotten your login credentials?'),
    gettext_noop('Your password was changed.'),
    gettext_noop('Please enter your old password, for security’s sake, and then enter your new '
                 'password twice so we can verify you typed it in correctly.'),
    gettext_noop('Please enter your new password twice so we can verify you typed it in correctly.'),
]

DJANGO_PLURALS = [
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", 1),
]
