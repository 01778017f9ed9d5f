"""Running the site: its health checks, its request log and its backups."""
