"""Profiles and links: link-in-bio pages, their public page and redirect, the editor."""
