"""Read models of occupations, queried straight from Postgres: occupations and work types."""
