// Parse Mermaid diagrams with Mermaid's own parser (the `mermaid` package, as GitHub renders it), in Node.js with
// jsdom standing in for the browser. Arguments: files holding one diagram each. Prints `ok FILE TYPE` or
// `FAIL FILE message` per file; exits 1 when any fails. Used by tests/unit/test_review.py.
import fs from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(fs.readFileSync(file, "utf8"));
    console.log(`ok ${file} ${result.diagramType}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${file} ${String(error?.message ?? error).replace(/\n/g, " ")}`);
  }
}
process.exit(failed ? 1 : 0);
