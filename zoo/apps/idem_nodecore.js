// Idempotency target: @node-idempotency/core + @node-idempotency/storage-adapter-memory
// (unmodified). Their @node-idempotency/express wrapper is not published on the npm registry, so
// this file is the ~25-line glue the core README describes: onRequest() before the handler,
// onResponse() after it, and the library's errors mapped to statuses by their `code`.
//
// Config: library defaults (header Idempotency-Key, keys optional: enforceIdempotency false,
// cacheTTLMS default, in-progress requests rejected rather than waited for).
// Error mapping (the glue's choice, following the IETF draft): REQUEST_IN_PROGRESS -> 409,
// IDEMPOTENCY_FINGERPRINT_MISSMATCH -> 422, KEY_MISSING / KEY_TOO_LONG -> 400; bodies application/json.
// Routes: POST /orders -> 201 {"id": <fresh uuid>, ...} + Location (~20 ms handler),
// GET /orders/:id, GET /orders -> {"count"}. A replay carries the stored status, body and
// Location, plus Idempotent-Replayed: true (the glue's choice, as Stripe does).
// Listens on 127.0.0.1:$ZOO_PORT only.
const crypto = require('crypto');
const express = require('express');
const { Idempotency } = require('@node-idempotency/core');
const { MemoryStorageAdapter } = require('@node-idempotency/storage-adapter-memory');

const idem = new Idempotency(new MemoryStorageAdapter(), {});
const app = express();
app.use(express.json());
const orders = new Map();
const STATUS = { REQUEST_IN_PROGRESS: 409, IDEMPOTENCY_FINGERPRINT_MISSMATCH: 422, IDEMPOTENCY_KEY_MISSING: 400, IDEMPOTENCY_KEY_LEN_EXEEDED: 400 };

app.get('/health', (req, res) => res.json({ ok: true }));
app.post('/orders', async (req, res) => {
  const ireq = { method: req.method, headers: req.headers, body: req.body, path: req.path };
  try {
    const cached = await idem.onRequest(ireq);
    if (cached) {
      const status = (cached.additional && cached.additional.status) || 200;
      if (cached.additional && cached.additional.location) res.location(cached.additional.location);
      return res.status(status).set('Idempotent-Replayed', 'true').json(cached.body);
    }
  } catch (err) {
    const code = err && err.code;
    return res.status(STATUS[code] || 400).json({ error: String(code || err), message: err && err.message });
  }
  await new Promise((r) => setTimeout(r, 20));
  const id = crypto.randomUUID();
  const order = { id, customer: req.body && req.body.customer, amount: req.body && req.body.amount };
  orders.set(id, order);
  await idem.onResponse(ireq, { body: order, additional: { status: 201, location: `/orders/${id}` } });
  res.status(201).location(`/orders/${id}`).json(order);
});
app.get('/orders', (req, res) => res.json({ count: orders.size, data: [...orders.values()] }));
app.get('/orders/:id', (req, res) => {
  const o = orders.get(req.params.id);
  if (!o) return res.status(404).json({ error: 'not found' });
  res.json(o);
});

app.listen(Number(process.env.ZOO_PORT), '127.0.0.1');
