"""HTTP for competitions: competitions and their results, members and histories, rating
policies; `common` holds what every route shares (response shapes, look-ups, access)."""
