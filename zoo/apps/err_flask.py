"""Error-format target: Flask with its default (Werkzeug) HTML error pages, unmodified.

Routes: GET /items/<int:id> (1..3 exist, otherwise abort(404)), POST /items {"name": str,
"qty": int} -> 201 (malformed JSON -> Werkzeug's 400 HTML page from request.get_json(); a wrong
type -> abort(400)), PATCH /items -> 405 with Allow, GET /boom raises -> 500 HTML page.
DEBUG off (production pages). Werkzeug's threaded server on 127.0.0.1.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import HOST, port  # noqa: E402

from flask import Flask, abort, jsonify, request  # noqa: E402

app = Flask(__name__)
ITEMS = {1: "one", 2: "two", 3: "three"}


@app.get("/health")
def health():
    return jsonify(ok=True)


@app.get("/items/<int:item_id>")
def get_item(item_id):
    if item_id not in ITEMS:
        abort(404)
    return jsonify(id=item_id, name=ITEMS[item_id])


@app.post("/items")
def create_item():
    body = request.get_json()  # malformed JSON -> 400 (Werkzeug BadRequest)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("qty"), int):
        abort(400)
    new_id = max(ITEMS) + 1
    ITEMS[new_id] = body["name"]
    return jsonify(id=new_id, name=body["name"], qty=body["qty"]), 201, {"Location": f"/items/{new_id}"}


@app.get("/boom")
def boom():
    raise RuntimeError("zoo: deliberate failure")


if __name__ == "__main__":
    app.run(host=HOST, port=port(), threaded=True)
