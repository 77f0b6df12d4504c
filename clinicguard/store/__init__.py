"""The clinic's SQLite database: one factory, migrations, one store class per aggregate."""
