"""What both Alembic tests (diff.py, adopt.py) write into a throwaway Alembic project."""

# env.py of a project whose URL is the Config's sqlalchemy.url: run the
# migrations in one connection and transaction.
ENV_PY = """
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""
