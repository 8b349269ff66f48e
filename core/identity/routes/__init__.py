"""Identity over HTTP: ``api`` (registration, sign-in, tokens, the account and
its sessions, export and erasure), ``admin`` (users and the audit log, for
admins) and ``pages`` (the sign-in, registration and account pages)."""
