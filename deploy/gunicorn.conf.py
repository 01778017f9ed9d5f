"""gunicorn's settings for the web service (deploy/systemd/teaching-cases-web.service):
`gunicorn -c deploy/gunicorn.conf.py repository.wsgi`. Options on the command line win.

Every value can be changed from the service's environment file (deploy/teaching-cases.env)."""

import multiprocessing
import os

from gunicorn import glogging

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx in front, on this host
# Processes × threads: a thread waiting on the database or a file leaves the process's other
# thread to serve, and the master keeps hearing from a worker that streams a long zip (a sync
# worker would be killed at `timeout` mid-download).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))  # a PDF handout of a long case
graceful_timeout = 30  # a restart lets requests in progress end
keepalive = 5  # nginx reuses its connections (deploy/nginx/teaching-cases.conf)
# A worker is replaced after this many requests, so that a slow leak cannot grow for weeks.
max_requests = 5000
max_requests_jitter = 500
forwarded_allow_ips = "127.0.0.1,::1"  # the X-Forwarded-* of nginx on this host only

# Logs to stdout (systemd's journal), one JSON object a line with LOG_FORMAT=json, as the app's
# own (repository/settings.py). The app logs each request once with its user (the
# operations.requests logger); gunicorn's access log adds the client's address, the bytes sent
# and the whole time of a streamed response: GUNICORN_ACCESS_LOG=true turns it on.
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in ("1", "true", "yes", "on") \
    else None


class JsonAccessLogger(glogging.Logger):
    """gunicorn's access log line as fields: never the query string (a search names a
    diagnosis), nor cookies."""

    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog is None:  # on only with GUNICORN_ACCESS_LOG (above)
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "%s %s %s", atoms["m"], atoms["U"], atoms["s"],
            extra={"remote": atoms["h"], "method": atoms["m"], "path": atoms["U"],
                   "status": int(atoms["s"]), "bytes": atoms["B"] or 0,
                   "duration_ms": round(atoms["D"] / 1000, 1), "user_agent": atoms["a"]},
        )


if os.environ.get("LOG_FORMAT", "text") == "json":
    logger_class = JsonAccessLogger
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stdout"}},
        "root": {"level": "INFO", "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"],
                               "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"] if accesslog else [],
                                "propagate": False},
        },
    }
