"""Identity: accounts, sign-in, sessions, and the acting user every owned query needs."""
