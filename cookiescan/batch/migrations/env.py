"""Alembic environment for cookiescan's batch store.

Migrations run only through ``cookiescan.batch.Store.upgrade()`` (``cookiescan db upgrade``), which hands
over an open connection in ``config.attributes["connection"]``; there is no alembic.ini and no offline
(``--sql``) mode.
"""

from __future__ import annotations

from alembic import context

from cookiescan.batch.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("cookiescan's migrations run through Store.upgrade() (cookiescan db upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place: later migrations use batch operations there
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
