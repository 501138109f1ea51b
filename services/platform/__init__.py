"""What every skillsreg service shares: settings, bus, database, auth, errors, app factory."""
