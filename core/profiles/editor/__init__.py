"""The editor: the owner's server-rendered pages (``routes``) and their script
(``script``, with its hash for the CSP)."""
