class DomainError(Exception):
    """A rule of the contact center said no. The message is translated and shown to the user."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class NotAllowed(DomainError):
    """The actor may not do this (a 403 in a view)."""

    def __init__(self, message, *, code: str = "forbidden"):
        super().__init__(message, code=code)
