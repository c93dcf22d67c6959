"""The package version: a leaf module, so the package root can import the API and the API its version."""

__version__ = "0.1.0"
