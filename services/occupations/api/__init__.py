"""HTTP for occupations: the classification (`occupations`), its work types and its releases."""
