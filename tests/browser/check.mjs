// Opens a loadproof report.html from file:// in headless Chromium and fails (exit 1) on:
//   - any console error or uncaught page error,
//   - any request that is not file: (the page must be self-contained),
//   - a chart figure that is missing, has an empty bounding box, says it has no data, or has no
//     plotted path with a non-empty extent.
// With --screenshot PATH it saves a full-page PNG (--max-height PX: only the top PX of it).
//
// Usage: node check.mjs REPORT_HTML [--screenshot PATH [--max-height PX]] [--chromium PATH]
// Called by .ci/browser-check.sh; every wait is bounded.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

// The charts every quickstart report draws (open loop, so the schedule chart too).
const CHARTS = [
  'chart-percentiles',
  'chart-latency-over-time',
  'chart-throughput',
  'chart-open-loop',
];
const TIMEOUT_MS = 30_000;

const args = process.argv.slice(2);
let report = null;
let screenshot = null;
let maxHeight = null;
let executablePath = '/usr/bin/chromium';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--screenshot') screenshot = args[++i];
  else if (args[i] === '--max-height') maxHeight = Number(args[++i]);
  else if (args[i] === '--chromium') executablePath = args[++i];
  else if (report === null) report = args[i];
  else {
    console.error(`unexpected argument: ${args[i]}`);
    process.exit(2);
  }
}
if (!report) {
  console.error('usage: node check.mjs REPORT_HTML [--screenshot PATH] [--chromium PATH]');
  process.exit(2);
}

// The whole check is bounded, whatever hangs.
const watchdog = setTimeout(() => {
  console.error('browser check: gave up after 120 s');
  process.exit(1);
}, 120_000);

const problems = [];
const profile = mkdtempSync(join(tmpdir(), 'loadproof-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    timeout: TIMEOUT_MS,
    viewport: { width: 1100, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.on('request', (req) => {
    if (!req.url().startsWith('file:')) problems.push(`network request: ${req.url()}`);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

  const url = pathToFileURL(resolve(report)).href;
  const response = await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT_MS });
  if (response && !response.ok()) problems.push(`loading ${url}: status ${response.status()}`);

  const charts = await page.evaluate((ids) => ids.map((id) => {
    const fig = document.getElementById(id);
    if (!fig) return { id, missing: true };
    const box = fig.getBoundingClientRect();
    const paths = [...fig.querySelectorAll('svg path.series')].map((p) => {
      const b = p.getBBox();
      return { d: (p.getAttribute('d') || '').length, w: b.width, h: b.height };
    });
    return {
      id,
      tag: fig.tagName.toLowerCase(),
      nodata: fig.classList.contains('nodata'),
      title: fig.querySelector('svg > title')?.textContent ?? '',
      box: { w: box.width, h: box.height },
      paths,
    };
  }), CHARTS);
  for (const c of charts) {
    if (c.missing) { problems.push(`${c.id}: missing`); continue; }
    if (c.tag !== 'figure') problems.push(`${c.id}: a <${c.tag}>, not a <figure>`);
    if (c.nodata) problems.push(`${c.id}: says it has no data`);
    if (!(c.box.w > 0 && c.box.h > 0)) problems.push(`${c.id}: empty bounding box`);
    if (!c.title) problems.push(`${c.id}: no accessible <title>`);
    const drawn = c.paths.filter((p) => p.d > 0 && (p.w > 0 || p.h > 0));
    if (drawn.length === 0) problems.push(`${c.id}: no plotted path with an extent`);
    console.log(`${c.id}: ${Math.round(c.box.w)}×${Math.round(c.box.h)} px, ${drawn.length} plotted path(s)`);
  }

  if (screenshot) {
    // --max-height keeps the top of the page only (the docs screenshot: verdict and charts).
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const clip = maxHeight > 0 && height > maxHeight
      ? { x: 0, y: 0, width: 1100, height: maxHeight }
      : undefined;
    await page.screenshot({ path: screenshot, fullPage: true, clip, timeout: TIMEOUT_MS });
    console.log(`screenshot: ${screenshot}`);
  }
} catch (e) {
  problems.push(`browser: ${e.message}`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
  clearTimeout(watchdog);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`FAIL ${p}`);
  process.exit(1);
}
console.log(`browser check: ${CHARTS.length} charts drawn, no console error, no network request`);
