// The browsable API reference (GET /docs): one self-contained HTML page rendered from the OpenAPI
// document — no scripts, no fonts, nothing fetched from elsewhere.

type Obj = Record<string, unknown>;

function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A schema in a few words: "string", "integer", "one of: a, b", "object", "list of string". */
function typeOf(schema: unknown): string {
  const s = (schema ?? {}) as Obj;
  if (Array.isArray(s.enum)) return `one of: ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeOf).join(' or ');
  if (s.type === 'array') return `list of ${typeOf(s.items)}`;
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  return 'any';
}

function paramRows(op: Obj): string[] {
  const rows: string[] = [];
  for (const p of (op.parameters as Obj[] | undefined) ?? []) {
    const schema = (p.schema ?? {}) as Obj;
    rows.push(`<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${esc(typeOf(schema))}</td><td>${p.required ? 'yes' : ''}</td><td>${esc(schema.description)}</td></tr>`);
  }
  const body = (((op.requestBody as Obj | undefined)?.content as Obj | undefined)?.['application/json'] as Obj | undefined)?.schema as Obj | undefined;
  const required = new Set((body?.required as string[] | undefined) ?? []);
  for (const [name, schema] of Object.entries((body?.properties as Record<string, Obj> | undefined) ?? {})) {
    rows.push(`<tr><td><code>${esc(name)}</code></td><td>body</td><td>${esc(typeOf(schema))}</td><td>${required.has(name) ? 'yes' : ''}</td><td>${esc(schema.description)}</td></tr>`);
  }
  return rows;
}

export function renderDocsPage(doc: Obj): string {
  const info = (doc.info ?? {}) as Obj;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Obj>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = ((op.tags as string[] | undefined) ?? ['other'])[0];
      const rows = paramRows(op);
      const errors = Object.keys((op.responses ?? {}) as Obj).filter((s) => s !== '200').join(', ');
      const html = `<section id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}${op['x-sentinel-permission'] ? ` <span class="role">${esc(op['x-sentinel-permission'])}</span>` : ''}${op['x-sentinel-kind'] === 'stream' ? ' <span class="role">NDJSON stream with follow=true</span>' : ''}</p>
${rows.length ? `<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>description</th></tr>${rows.join('')}</table>` : '<p class="none">No parameters.</p>'}
${errors ? `<p class="none">Error statuses: ${esc(errors)}</p>` : ''}
</section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const tags = [...byTag.keys()].sort();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} API ${esc(info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 2rem;color:#222}
code{font:13px ui-monospace,monospace}h2{border-bottom:1px solid #ddd;margin-top:2rem}
section{border:1px solid #e3e3e3;border-radius:6px;padding:.2rem 1rem;margin:.8rem 0}
h3{font-size:1rem;margin:.6rem 0}.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 4px}
.get{background:#2f7d32}.post{background:#1f5fa8}.put{background:#8a5a00}.delete{background:#b3261e}
.role{font-size:12px;background:#eee;border-radius:4px;padding:1px 6px}.none{color:#666;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:.6rem}td,th{border-top:1px solid #eee;text-align:left;padding:3px 6px;vertical-align:top}
nav a{margin-right:.8rem}
</style></head><body>
<h1>${esc(info.title)} API <small>${esc(info.version)}</small></h1>
<p>${esc(info.description)}</p>
<p>Every <code>/v1</code> route needs <code>Authorization: Bearer TOKEN</code> (<code>sentinel token create NAME --role viewer</code>). The machine-readable document: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
<nav>${tags.map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join('')}</nav>
${tags.map((t) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>\n${byTag.get(t)!.join('\n')}`).join('\n')}
</body></html>
`;
}
