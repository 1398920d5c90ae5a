"""Local servers started on demand, from Debian's packages: a throwaway PostgreSQL, Redis and
HAProxy on loopback ports. The cluster demo runs on them, and so do the tests."""
