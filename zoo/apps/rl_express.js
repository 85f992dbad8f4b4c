// Rate-limit target: Express 4 + express-rate-limit (unmodified).
//
// Config: windowMs 10 s, limit 5 on GET /limited, keyed by client IP (the default keyGenerator),
// in-memory store (the default). standardHeaders from $ZOO_DRAFT:
//   draft-6 -> RateLimit-Policy: 5;w=10, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset
//   draft-8 -> RateLimit-Policy: "5-in-10sec"; q=5; w=10; pk=..., RateLimit: "5-in-10sec"; r=..; t=..
// legacyHeaders: false (no X-RateLimit-*), as the library's README recommends.
// The 429 is the default handler: text/html "Too many requests, please try again later." plus
// Retry-After. GET /health is not limited. Listens on 127.0.0.1:$ZOO_PORT only.
const express = require('express');
const { rateLimit } = require('express-rate-limit');

const draft = process.env.ZOO_DRAFT || 'draft-6';
const app = express();
const limiter = rateLimit({ windowMs: 10_000, limit: 5, standardHeaders: draft, legacyHeaders: false });

app.get('/health', (req, res) => res.json({ ok: true }));
app.get('/limited', limiter, (req, res) => res.json({ ok: true, draft }));

app.listen(Number(process.env.ZOO_PORT), '127.0.0.1');
