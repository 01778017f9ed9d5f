"""The case of the day: which case a day shows (picking.py), the homepage's block, the archive
and the Atom feed (views.py, feeds.py), and its scheduling in the admin (forms.py, admin.py)."""
