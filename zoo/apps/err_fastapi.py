"""Error-format target: FastAPI with its default error handling, or with fastapi-problem.

$ZOO_ERRORS selects the error layer (the app's routes are the same):
  default -> FastAPI's own handlers (unmodified): HTTPException -> application/json
             {"detail": "..."}; validation -> 422 {"detail": [{"type","loc","msg","input"}...]};
             405 {"detail": "Method Not Allowed"} with Allow; an unhandled exception -> uvicorn's
             500 text/plain "Internal Server Error".
  problem -> fastapi-problem (RFC 9457) installed with new_exception_handler() +
             add_exception_handler(app, eh), library defaults (strict_rfc9457=False):
             application/problem+json bodies with type/title/status/detail.
  problem-strict -> the same with strict_rfc9457=True (the library's RFC 9457 strict mode), which
             needs a type URI template: documentation_uri_template
             "https://zoo.invalid/problems/{type}" (.invalid: a reserved name, never resolved);
             problems without their own type become "about:blank".
Routes: GET /items/{id:int} (1..3 exist, otherwise 404), POST /items {"name": str, "qty": int}
(201), PATCH /items -> 405, GET /boom raises RuntimeError -> 500.
Served by uvicorn on 127.0.0.1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import HOST, port  # noqa: E402

import uvicorn  # noqa: E402
from fastapi import FastAPI, HTTPException, Response  # noqa: E402
from pydantic import BaseModel  # noqa: E402

MODE = os.environ.get("ZOO_ERRORS", "default")
app = FastAPI()
if MODE in ("problem", "problem-strict"):
    from fastapi_problem.handler import add_exception_handler, new_exception_handler

    if MODE == "problem-strict":
        eh = new_exception_handler(strict_rfc9457=True, documentation_uri_template="https://zoo.invalid/problems/{type}")
    else:
        eh = new_exception_handler()
    add_exception_handler(app, eh)

ITEMS = {1: "one", 2: "two", 3: "three"}


class ItemIn(BaseModel):
    name: str
    qty: int


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/items/{item_id}")
def get_item(item_id: int):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"id": item_id, "name": ITEMS[item_id]}


@app.post("/items", status_code=201)
def create_item(body: ItemIn, response: Response):
    new_id = max(ITEMS) + 1
    ITEMS[new_id] = body.name
    response.headers["Location"] = f"/items/{new_id}"
    return {"id": new_id, "name": body.name, "qty": body.qty}


@app.get("/boom")
def boom():
    raise RuntimeError("zoo: deliberate failure")


if __name__ == "__main__":
    uvicorn.run(app, host=HOST, port=port(), log_level="warning")
