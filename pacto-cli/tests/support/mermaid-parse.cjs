// Parses every ```mermaid block of the Markdown files given as arguments with the real Mermaid
// parser (mermaid.parse in a jsdom window). Prints one line per block; exits 1 on any error.
// Usage: NODE_PATH=<dir with node_modules> node mermaid-parse.cjs MERMAID_JS FILE...
const fs = require('fs');
const { JSDOM } = require('jsdom');
const [mermaidJs, ...files] = process.argv.slice(2);
const dom = new JSDOM('<!DOCTYPE html><body></body>', { runScripts: 'dangerously' });
const script = dom.window.document.createElement('script');
script.textContent = fs.readFileSync(mermaidJs, 'utf8');
dom.window.document.body.appendChild(script);
const mermaid = dom.window.mermaid;
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
(async () => {
  let failed = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const blocks = [...text.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    if (blocks.length === 0) { console.log(`${file}: no mermaid block`); failed++; continue; }
    for (const [i, block] of blocks.entries()) {
      try {
        const r = await mermaid.parse(block);
        console.log(`${file}#${i}: ok ${r.diagramType}`);
      } catch (e) {
        console.log(`${file}#${i}: ERROR ${String(e.message || e).split('\n').join(' | ')}`);
        failed++;
      }
    }
  }
  process.exit(failed ? 1 : 0);
})();
