"""Version of the forecast package."""

__version__ = "0.1.0"
