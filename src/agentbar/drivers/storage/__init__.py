"""Storage through SQLAlchemy 2 Core: SQLite now, PostgreSQL by URL later; Alembic migrations."""
