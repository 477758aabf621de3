// What Go's encoding/json says about a JSON document, for error messages that
// read as kube-apiserver's: its syntax errors (scanner.go) and its type errors
// ("cannot unmarshal X into Go struct field S.path of type T").

/** The first syntax error Go's scanner reports for text, or undefined when text is valid JSON. */
export function goSyntaxError(text: string): string | undefined {
  const s = new Scanner(text);
  try {
    s.value();
    s.space();
    if (s.i < text.length) s.fail('after top-level value');
    return undefined;
  } catch (e) {
    if (e instanceof GoSyntaxError) return e.message;
    // nesting this scanner's recursion cannot follow (the caller checked the depth Go allows): JSON.parse's words then
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

class GoSyntaxError extends Error {}

/** Go's quoteChar: the offending byte as the scanner prints it. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = JSON.stringify(c).slice(1, -1);
  return `'${q}'`;
}

class Scanner {
  i = 0;
  constructor(readonly t: string) {}

  fail(context: string): never {
    if (this.i >= this.t.length) throw new GoSyntaxError('unexpected end of JSON input');
    throw new GoSyntaxError(`invalid character ${quoteChar(this.t[this.i])} ${context}`);
  }

  space() {
    while (this.i < this.t.length && ' \t\r\n'.includes(this.t[this.i])) this.i++;
  }

  value() {
    this.space();
    const c = this.t[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === 't') return this.literal('true');
    if (c === 'f') return this.literal('false');
    if (c === 'n') return this.literal('null');
    this.fail('looking for beginning of value');
  }

  object() {
    this.i++;
    this.space();
    if (this.t[this.i] === '}') { this.i++; return; }
    for (;;) {
      this.space();
      if (this.t[this.i] !== '"') this.fail('looking for beginning of object key string');
      this.string();
      this.space();
      if (this.t[this.i] !== ':') this.fail('after object key');
      this.i++;
      this.value();
      this.space();
      if (this.t[this.i] === ',') { this.i++; continue; }
      if (this.t[this.i] === '}') { this.i++; return; }
      this.fail('after object key:value pair');
    }
  }

  array() {
    this.i++;
    this.space();
    if (this.t[this.i] === ']') { this.i++; return; }
    for (;;) {
      this.value();
      this.space();
      if (this.t[this.i] === ',') { this.i++; continue; }
      if (this.t[this.i] === ']') { this.i++; return; }
      this.fail('after array element');
    }
  }

  string() {
    this.i++;
    for (;;) {
      const c = this.t[this.i];
      if (c === undefined) this.fail('in string literal');
      if (c === '"') { this.i++; return; }
      if (c === '\\') {
        this.i++;
        const e = this.t[this.i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            this.i++;
            if (!/[0-9a-fA-F]/.test(this.t[this.i] ?? '')) this.fail('in \\u hexadecimal character escape');
          }
        } else if (e === undefined || !'bfnrt\\/"'.includes(e)) this.fail('in string escape code');
        this.i++;
        continue;
      }
      if (c < ' ') this.fail('in string literal');
      this.i++;
    }
  }

  private digits(): boolean {
    const start = this.i;
    while (this.t[this.i] >= '0' && this.t[this.i] <= '9') this.i++;
    return this.i > start;
  }

  number() {
    if (this.t[this.i] === '-') {
      this.i++;
      if (!(this.t[this.i] >= '0' && this.t[this.i] <= '9')) this.fail('in numeric literal');
    }
    if (this.t[this.i] === '0') this.i++;
    else this.digits();
    if (this.t[this.i] === '.') {
      this.i++;
      if (!this.digits()) this.fail('after decimal point in numeric literal');
    }
    if (this.t[this.i] === 'e' || this.t[this.i] === 'E') {
      this.i++;
      if (this.t[this.i] === '+' || this.t[this.i] === '-') this.i++;
      if (!this.digits()) this.fail('in exponent of numeric literal');
    }
  }

  literal(word: string) {
    for (let k = 0; k < word.length; k++, this.i++) {
      if (this.t[this.i] !== word[k]) this.fail(`in literal ${word} (expecting ${quoteChar(word[k])})`);
    }
  }
}

/** How Go names a JSON value's kind in an UnmarshalTypeError. */
export function goValueKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** UnmarshalTypeError.Error() of Go 1.20+: Struct is the innermost struct, field the dotted JSON path. */
export function goTypeError(value: string, type: string, struct?: string, field?: string): string {
  if (struct !== undefined && field !== undefined) return `json: cannot unmarshal ${value} into Go struct field ${struct}.${field} of type ${type}`;
  return `json: cannot unmarshal ${value} into Go value of type ${type}`;
}
