"""Storage: ORM tables, sessions and migrations, and one repository module per concept."""
