"""Backups of the site: the database dumped (database.py), every file of the media storage
copied through Django's storage API (media.py), and a manifest that says what the backup holds
and lets a restore check it (manifest.py). manage.py backup and restore run them.

Not backed up: WORK_DIR, the files of upload jobs still waiting or running, and of studies
being received. A job in flight when the backup ran is restored as a row whose files are gone:
it fails when retried, and the upload is sent again."""


class BackupError(Exception):
    """A backup or restore that cannot go on; its message says why, for the operator."""
