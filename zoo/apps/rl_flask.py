"""Rate-limit target: Flask + flask-limiter (unmodified), one strategy per process.

Config (realistic, as the flask-limiter docs show it):
  - limit "5 per 10 seconds" on GET /limited, keyed by client address (get_remote_address)
  - RATELIMIT_STRATEGY from $ZOO_STRATEGY: fixed-window | moving-window | sliding-window-counter
  - RATELIMIT_HEADERS_ENABLED = True  -> X-RateLimit-Limit / -Remaining / -Reset (epoch s) and
    Retry-After on 429
  - in-memory storage ("memory://"), the library's default
  - GET /health is exempt (targets.sh polls it; it must not spend quota)
Server: Werkzeug's threaded server (Flask's app.run), 127.0.0.1 only.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import HOST, port  # noqa: E402

from flask import Flask, jsonify  # noqa: E402
from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402

STRATEGY = os.environ.get("ZOO_STRATEGY", "fixed-window")
LIMIT = os.environ.get("ZOO_LIMIT", "5 per 10 seconds")

app = Flask(__name__)
app.config.update(
    RATELIMIT_STRATEGY=STRATEGY,
    RATELIMIT_HEADERS_ENABLED=True,
    RATELIMIT_STORAGE_URI="memory://",
)
limiter = Limiter(get_remote_address, app=app)


@app.get("/health")
@limiter.exempt
def health():
    return jsonify(ok=True)


@app.get("/limited")
@limiter.limit(LIMIT)
def limited():
    return jsonify(ok=True, strategy=STRATEGY)


if __name__ == "__main__":
    app.run(host=HOST, port=port(), threaded=True)
