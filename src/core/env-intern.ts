// Every record's spec carries the complete environment its child gets, mostly the client's: a thousand
// processes started from one shell hold a thousand copies of the same PATH, LS_COLORS and the rest
// (about 2 KiB each, several times that under npm). A stored spec is parsed from its row, so nothing
// shares them by itself. Records with the same environment share one frozen object here; records whose
// environments differ in a few variables still share the values' strings. Frozen, because a shared
// environment changed in place would change another process's: code that adds a variable copies first.

/** Identical environments, by their JSON: weakly held, so an environment no record uses any more goes. */
const shared = new Map<string, WeakRef<Readonly<Record<string, string>>>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (shared.get(key)?.deref() === undefined) shared.delete(key);
});

/** Strings of values seen lately. Strings cannot be held weakly: the table is emptied once it grows past this. */
const MAX_VALUES = 4096;
const values = new Map<string, string>();

function internValue(v: string): string {
  const known = values.get(v);
  if (known !== undefined) return known;
  if (values.size >= MAX_VALUES) values.clear();
  values.set(v, v);
  return v;
}

/** The one shared, frozen copy of an environment equal to `env` (same names, values and order). */
export function internEnv(env: Record<string, string>): Readonly<Record<string, string>> {
  const key = JSON.stringify(env);
  const known = shared.get(key)?.deref();
  if (known !== undefined) return known;
  const copy: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) copy[k] = internValue(v);
  Object.freeze(copy);
  shared.set(key, new WeakRef(copy));
  forget.register(copy, key);
  return copy;
}

/** How many distinct environments are shared now (for tests). */
export function sharedEnvCount(): number {
  let n = 0;
  for (const ref of shared.values()) if (ref.deref() !== undefined) n++;
  return n;
}
