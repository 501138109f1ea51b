"""Pure rules of the classification: occupations and their releases, and work types."""
