"""Pagination target: FastAPI + fastapi-pagination (unmodified), one page type per process.

An in-memory list of 57 items (id, name), newest last, with POST /items (201, fresh id) and
DELETE /items/{id} (204) so writers can change it while walkers page through.
Page type from $ZOO_PAGE:
  page   -> fastapi_pagination.Page: params page (first page 1, ge=1) & size (default 50,
            le=100); body {"items", "total", "page", "size", "pages"}
  offset -> fastapi_pagination.LimitOffsetPage: params limit (default 50, le=100) & offset;
            body {"items", "total", "limit", "offset"}
The library's defaults are kept. Served by uvicorn on 127.0.0.1.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from common import HOST, port  # noqa: E402

import uvicorn  # noqa: E402
from fastapi import FastAPI, HTTPException, Response  # noqa: E402
from fastapi_pagination import LimitOffsetPage, Page, add_pagination, paginate  # noqa: E402
from pydantic import BaseModel  # noqa: E402

KIND = os.environ.get("ZOO_PAGE", "page")
PageType = {"page": Page, "offset": LimitOffsetPage}[KIND]


class ItemIn(BaseModel):
    name: str


class Item(BaseModel):
    id: int
    name: str


app = FastAPI()
_lock = threading.Lock()
_items = [Item(id=i, name=f"item-{i:02d}") for i in range(1, 58)]
_next = [58]


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/items", response_model=PageType[Item])
def list_items():
    with _lock:
        snapshot = list(_items)
    return paginate(snapshot)


@app.post("/items", status_code=201, response_model=Item)
def create(body: ItemIn, response: Response):
    with _lock:
        item = Item(id=_next[0], name=body.name)
        _next[0] += 1
        _items.append(item)
    response.headers["Location"] = f"/items/{item.id}"
    return item


@app.get("/items/{item_id}", response_model=Item)
def get(item_id: int):
    with _lock:
        for it in _items:
            if it.id == item_id:
                return it
    raise HTTPException(404, "Item not found")


@app.delete("/items/{item_id}", status_code=204)
def delete(item_id: int):
    with _lock:
        for i, it in enumerate(_items):
            if it.id == item_id:
                del _items[i]
                return Response(status_code=204)
    raise HTTPException(404, "Item not found")


add_pagination(app)

if __name__ == "__main__":
    uvicorn.run(app, host=HOST, port=port(), log_level="warning")
