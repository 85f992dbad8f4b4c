"""Rate-limit target: FastAPI + slowapi (unmodified).

Config: "5/minute" on GET /limited (a 60 s fixed window: slowapi's default strategy), keyed by
client address, headers_enabled=True -> X-RateLimit-Limit / -Remaining / -Reset and Retry-After
(slowapi sends no draft RateLimit-* fields). The 429 body is slowapi's default handler
(_rate_limit_exceeded_handler: JSON {"error": "Rate limit exceeded: 5 per 1 minute"}).
GET /health is not limited. Served by uvicorn on 127.0.0.1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import HOST, port  # noqa: E402

import uvicorn  # noqa: E402
from fastapi import FastAPI, Request, Response  # noqa: E402
from slowapi import Limiter, _rate_limit_exceeded_handler  # noqa: E402
from slowapi.errors import RateLimitExceeded  # noqa: E402
from slowapi.util import get_remote_address  # noqa: E402

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
app = FastAPI()
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)


@app.get("/health")
async def health():
    return {"ok": True}


@app.get("/limited")
@limiter.limit("5/minute")
async def limited(request: Request, response: Response):
    return {"ok": True}


if __name__ == "__main__":
    uvicorn.run(app, host=HOST, port=port(), log_level="warning")
