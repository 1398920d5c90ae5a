"""Authentication: password hashes, login policies, session tokens."""
