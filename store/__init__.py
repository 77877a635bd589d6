"""Persistent records of the clinic's side: bookings, handoffs, staff, audit log, channel state.

SQLAlchemy models with Alembic migrations; SQLite under var/ by default, PostgreSQL when
DATABASE_URL says so.
"""
