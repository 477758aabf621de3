// Static bearer tokens in kube-apiserver's --token-auth-file CSV format:
// token,user,uid[,"group1,group2"]. Tokens are kept as SHA-256 digests and
// compared in constant time, so neither a timing difference nor a heap dump
// gives one away.
import type { UserInfo } from './user';

interface Entry { digest: ArrayBuffer; user: UserInfo }

export class TokenFileError extends Error {}

/** One CSV record (RFC 4180 quoting, as Go's encoding/csv reads the file). */
function parseRecord(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === ',') { fields.push(cur); cur = ''; }
    else cur += ch;
  }
  if (quoted) throw new TokenFileError('unterminated quoted field');
  fields.push(cur);
  return fields;
}

export async function digest(token: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
}

export async function parseTokenFile(csv: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const lines = csv.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const record = parseRecord(line);
    if (record.length < 3) throw new TokenFileError(`token file line ${n + 1} must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    const [token, username, uid, groups] = record;
    if (token === '') continue;
    const user: UserInfo = {
      username, uid,
      groups: groups ? groups.split(',').map((g) => g.trim()).filter((g) => g !== '') : [],
    };
    entries.push({ digest: await digest(token), user });
  }
  return entries;
}

/** Looks a token up without an early exit: every entry is compared. */
export async function lookupToken(entries: Entry[], token: string): Promise<UserInfo | undefined> {
  const d = await digest(token);
  let found: UserInfo | undefined;
  for (const e of entries) {
    if (crypto.subtle.timingSafeEqual(d, e.digest) && !found) found = e.user;
  }
  return found;
}

let cached: { csv: string; entries: Promise<Entry[]> } | undefined;

/** The parsed file, parsed once per isolate (the secret only changes with a new deployment). */
export function tokenFile(csv: string): Promise<Entry[]> {
  if (cached?.csv !== csv) cached = { csv, entries: parseTokenFile(csv) };
  return cached.entries;
}
