"""Idempotency target: FastAPI + an Idempotency-Key middleware from PyPI (unmodified).

$ZOO_MIDDLEWARE selects it:
  asgi-idempotency-header -> idempotency_header_middleware.IdempotencyHeaderMiddleware with its
      MemoryBackend (defaults: header Idempotency-Key, replay header Idempotent-Replayed: true,
      POST and PATCH, a concurrent duplicate -> 409 {"detail": ...}; it does not compare bodies).
  fastapi-idempotency -> fastapi_idempotency.IdempotencyMiddleware with its MemoryStore
      (defaults: header Idempotency-Key, key window 24 h, waits up to 15 s for an in-flight
      duplicate, fingerprints the body).
Routes: POST /orders {"customer","amount"} -> 201 {"id": <fresh uuid>, ...} + Location (~20 ms
handler, like a database write), GET /orders/{id}, GET /orders -> {"count"}.
Served by uvicorn on 127.0.0.1.
"""
import asyncio
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from common import HOST, port  # noqa: E402

import uvicorn  # noqa: E402
from fastapi import FastAPI, HTTPException, Response  # noqa: E402
from pydantic import BaseModel  # noqa: E402

MW = os.environ.get("ZOO_MIDDLEWARE", "asgi-idempotency-header")
app = FastAPI()
if MW == "asgi-idempotency-header":
    from idempotency_header_middleware import IdempotencyHeaderMiddleware
    from idempotency_header_middleware.backends.memory import MemoryBackend

    app.add_middleware(IdempotencyHeaderMiddleware, backend=MemoryBackend())
elif MW == "fastapi-idempotency":
    from fastapi_idempotency import IdempotencyMiddleware, MemoryStore

    app.add_middleware(IdempotencyMiddleware, store=MemoryStore())
else:
    raise SystemExit(f"unknown ZOO_MIDDLEWARE {MW}")

ORDERS: dict[str, dict] = {}


class OrderIn(BaseModel):
    customer: str
    amount: int


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/orders", status_code=201)
async def create(body: OrderIn, response: Response):
    await asyncio.sleep(0.02)
    oid = str(uuid.uuid4())
    ORDERS[oid] = {"id": oid, "customer": body.customer, "amount": body.amount}
    response.headers["Location"] = f"/orders/{oid}"
    return ORDERS[oid]


@app.get("/orders")
def list_orders():
    return {"count": len(ORDERS), "data": list(ORDERS.values())}


@app.get("/orders/{oid}")
def get(oid: str):
    if oid not in ORDERS:
        raise HTTPException(404, "Order not found")
    return ORDERS[oid]


if __name__ == "__main__":
    uvicorn.run(app, host=HOST, port=port(), log_level="warning")
