"""What a page does behind a test's back: console errors it logs, requests still in flight."""

import re

TIMEOUT_MS = 5000


class ConsoleErrors:
    """Console errors and uncaught exceptions of a page; any the test did not expect fail it."""

    def __init__(self):
        self.seen, self.expected = [], []

    def expect(self, pattern):
        """A message the test provokes on purpose (a 500 it routed, say)."""
        self.expected.append(re.compile(pattern))

    def on_console(self, message):
        if message.type == "error":
            self.seen.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_page_error(self, error):
        self.seen.append(f"page error: {error}")

    def unexpected(self):
        return [m for m in self.seen if not any(p.search(m) for p in self.expected)]


class Traffic:
    """The page's requests still in flight (the viewer goes on loading slices after a test's
    last check)."""

    def __init__(self, context):
        self.pending = set()
        context.on("request", lambda request: self.pending.add(request))
        context.on("requestfinished", lambda request: self.pending.discard(request))
        context.on("requestfailed", lambda request: self.pending.discard(request))

    def settle(self, page, timeout_ms=TIMEOUT_MS):
        """Wait until no request has been in flight for two polls. The database is emptied
        after the test, and SQLite's shared in-memory database refuses that while the server
        still reads a table for one of them."""
        quiet = 0
        for _ in range(timeout_ms // 25):
            quiet = quiet + 1 if not self.pending else 0
            if quiet == 2:
                return
            page.wait_for_timeout(25)  # Playwright delivers the events while it waits
