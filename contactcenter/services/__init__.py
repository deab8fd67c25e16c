"""The only place that writes. Functions are <entity>_<verb>(*, ...), atomic, and raise
DomainError with a message a person can read."""
