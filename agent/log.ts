// The agent's console: one line per thing it does, prefixed with the node name.
let prefix = 'agent';
export const setLogPrefix = (p: string) => { prefix = p; };
const ts = () => new Date().toISOString().slice(11, 23);
export const log = (msg: string) => console.log(`${ts()} [${prefix}] ${msg}`);
export const warn = (msg: string) => console.warn(`${ts()} [${prefix}] WARN ${msg}`);
export const errMsg = (e: unknown) => (e instanceof Error ? e.message : String(e));
