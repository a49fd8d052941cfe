"""Packaged resources: icons and the chime."""
