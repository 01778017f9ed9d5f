"""The restore drill (manage.py restore_drill): a running site backed up, restored into a fresh
database and a fresh media folder, served by a gunicorn of its own, and a case's pages and
image files compared byte for byte with what the running site serves."""
