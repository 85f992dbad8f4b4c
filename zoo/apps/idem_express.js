// Idempotency target: Express 4 + express-idempotency (VilledeMontreal, unmodified).
//
// Config: the library's defaults — header Idempotency-Key, in-memory data adapter, responses
// with 2xx are kept, intent validator compares url + method + query + body (a reused key with
// another body is a "misuse": the library answers it itself). The route checks isHit() as the
// README says, so a replay does not create a second order.
// Routes: POST /orders {"customer","amount"} -> 201 {"id": <fresh uuid>, ...} + Location
// (the handler takes ~20 ms, like a database write), GET /orders/:id, GET /orders -> {"count"}.
// Listens on 127.0.0.1:$ZOO_PORT only.
const crypto = require('crypto');
const express = require('express');
const idempotency = require('express-idempotency');

const app = express();
app.use(express.json());
const orders = new Map();

app.get('/health', (req, res) => res.json({ ok: true }));
app.post('/orders', idempotency.idempotency(), (req, res) => {
  const service = idempotency.getSharedIdempotencyService();
  if (service.isHit(req)) return;
  setTimeout(() => {
    const id = crypto.randomUUID();
    const order = { id, customer: req.body && req.body.customer, amount: req.body && req.body.amount };
    orders.set(id, order);
    res.status(201).location(`/orders/${id}`).json(order);
  }, 20);
});
app.get('/orders', (req, res) => res.json({ count: orders.size, data: [...orders.values()] }));
app.get('/orders/:id', (req, res) => {
  const o = orders.get(req.params.id);
  if (!o) return res.status(404).json({ error: 'not found' });
  res.json(o);
});

app.listen(Number(process.env.ZOO_PORT), '127.0.0.1');
