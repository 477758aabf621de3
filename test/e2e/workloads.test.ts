// Workloads end to end: the real `wrangler dev`, two node agents (process
// runtime) and the real kubectl 1.35 driving Deployments through their whole
// life: create, rollout status, set image (watched to check maxUnavailable),
// history, undo, pause, resume, restart, scale, a rollout that misses its
// progress deadline, and delete with each cascade; Jobs, and a CronJob
// every minute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, parseTable, setupE2E, type E2E, type WatchEvent } from './harness'
import { startAgent, type Agent } from './agent'

const NS = 'workloads-e2e'
let e: E2E
const agents: Agent[] = []

beforeAll(async () => {
  e = await setupE2E()
  for (const name of ['wl-node-a', 'wl-node-b']) agents.push(startAgent(e, name, ['--server', e.url, '--tunnel']))
  await Promise.all(agents.map((a) => a.waitFor('tunnel connected')))
  ok(await e.kubectl(['create', 'namespace', NS]), 'namespace')
})

afterAll(async () => {
  for (const a of agents) await a.stop()
  await e?.close()
})

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const k = (args: string[], timeoutMs?: number) => e.kubectl(['-n', NS, ...args], timeoutMs ? { timeoutMs } : undefined)

/** The pods of an app, as `kubectl get pods -o json` shows them. */
async function pods(app: string) {
  return JSON.parse(ok(await k(['get', 'pods', '-l', `app=${app}`, '-o', 'json']), 'get pods')).items
}

const revisions = async (name: string) =>
  parseTable(ok(await k(['rollout', 'history', `deployment/${name}`]), 'history').split('\n').slice(1).join('\n')).map((r) => r.REVISION)

describe('Deployments with kubectl', () => {
  it('create deployment, rollout status, and three pods run on the nodes', { timeout: 120_000 }, async () => {
    ok(await k(['create', 'deployment', 'web', '--image=busybox', '--replicas=3', '--', 'sleep', '3600']), 'create')
    const out = ok(await k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000), 'rollout status')
    expect(out).toContain('deployment "web" successfully rolled out')
    const running = await pods('web')
    expect(running).toHaveLength(3)
    for (const p of running) {
      expect(p.status.phase).toBe('Running')
      expect(['wl-node-a', 'wl-node-b']).toContain(p.spec.nodeName)
    }
    const table = parseTable(ok(await k(['get', 'deployment', 'web']), 'get deployment'))
    expect(table[0]).toMatchObject({ NAME: 'web', READY: '3/3', 'UP-TO-DATE': '3', AVAILABLE: '3' })
  })

  it('set image rolls out within maxUnavailable, and history, undo, pause, resume and restart work', { timeout: 400_000 }, async () => {
    // maxSurge 1, maxUnavailable 0: never fewer than 3 ready pods, never more than 4 pods.
    ok(await k(['patch', 'deployment/web', '--type=merge', '-p', '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}']), 'patch strategy')
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], 70_000), 'rollout status')
    const watch = e.watch(`/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Dweb`)
    try {
      // The watch's initial events: the three running pods.
      await eventually(() => watch.events.filter((ev) => ev.type === 'ADDED').length >= 3, 10_000, 'the initial pods')
      const from = watch.events.length
      ok(await k(['set', 'image', 'deployment/web', 'busybox=busybox:1.36']), 'set image')
      ok(await k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000), 'rollout status after set image')
      const { minReady, maxPods } = replay(watch.events, from)
      expect(minReady).toBeGreaterThanOrEqual(3)
      expect(maxPods).toBeLessThanOrEqual(4)
    } finally {
      watch.close()
    }
    expect((await pods('web')).filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp).map((p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0].image)).toEqual(['busybox:1.36', 'busybox:1.36', 'busybox:1.36'])
    expect(await revisions('web')).toEqual(['1', '2'])

    ok(await k(['rollout', 'undo', 'deployment/web']), 'undo')
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000), 'rollout status after undo')
    expect(ok(await k(['get', 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'image')).toBe('busybox')
    expect(await revisions('web')).toEqual(['2', '3'])

    ok(await k(['rollout', 'pause', 'deployment/web']), 'pause')
    ok(await k(['set', 'image', 'deployment/web', 'busybox=busybox:1.37']), 'set image while paused')
    await eventually(async () => ok(await k(['get', 'deployment/web', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']), 'reason') === 'DeploymentPaused', 20_000, 'Progressing=DeploymentPaused')
    expect(JSON.parse(ok(await k(['get', 'replicasets', '-l', 'app=web', '-o', 'json']), 'rs')).items).toHaveLength(2)
    ok(await k(['rollout', 'resume', 'deployment/web']), 'resume')
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000), 'rollout status after resume')
    expect(await revisions('web')).toEqual(['2', '3', '4'])

    ok(await k(['rollout', 'restart', 'deployment/web']), 'restart')
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000), 'rollout status after restart')
    const restarted = (await pods('web')).filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
    expect(restarted).toHaveLength(3)
    for (const p of restarted) expect(p.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy()
  })

  it('kubectl scale up and down', { timeout: 120_000 }, async () => {
    ok(await k(['scale', 'deployment/web', '--replicas=1']), 'scale down')
    await eventually(async () => (await pods('web')).length === 1, 30_000, 'one pod left')
    ok(await k(['scale', 'deployment/web', '--replicas=4']), 'scale up')
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=60s'], 70_000), 'rollout status after scale')
    expect(parseTable(ok(await k(['get', 'deployment', 'web']), 'get'))[0].READY).toBe('4/4')
  })

  it('a template that never becomes ready exceeds its progress deadline', { timeout: 120_000 }, async () => {
    // A command that cannot start: the pod is never ready.
    ok(await k(['create', 'deployment', 'broken', '--image=busybox', '--', '/no/such/command']), 'create broken')
    ok(await k(['patch', 'deployment/broken', '--type=merge', '-p', '{"spec":{"progressDeadlineSeconds":5}}']), 'deadline')
    const r = await k(['rollout', 'status', 'deployment/broken', '--timeout=60s'], 70_000)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('deployment "broken" exceeded its progress deadline')
    ok(await k(['delete', 'deployment', 'broken']), 'delete broken')
  })

  it('delete takes the ReplicaSets and pods; --cascade=orphan leaves them; --cascade=foreground removes the owner last', { timeout: 300_000 }, async () => {
    const rsNames = async (app: string) => JSON.parse(ok(await k(['get', 'replicasets', '-l', `app=${app}`, '-o', 'json']), 'rs')).items.map((r: { metadata: { name: string } }) => r.metadata.name)
    ok(await k(['delete', 'deployment', 'web']), 'delete')
    await eventually(async () => (await rsNames('web')).length === 0 && (await pods('web')).length === 0, 30_000, 'the ReplicaSets and pods of web to go')

    ok(await k(['create', 'deployment', 'kept', '--image=busybox', '--replicas=2', '--', 'sleep', '3600']), 'create kept')
    ok(await k(['rollout', 'status', 'deployment/kept', '--timeout=60s'], 70_000), 'kept rolls out')
    ok(await k(['delete', 'deployment', 'kept', '--cascade=orphan']), 'delete orphan')
    expect((await k(['get', 'deployment', 'kept'])).stderr).toContain('not found')
    const orphaned = await rsNames('kept')
    expect(orphaned).toHaveLength(1)
    const rs = JSON.parse(ok(await k(['get', 'replicaset', orphaned[0], '-o', 'json']), 'rs'))
    expect(rs.metadata.ownerReferences).toBeUndefined()
    expect(await pods('kept')).toHaveLength(2)
    ok(await k(['delete', 'replicaset', orphaned[0]]), 'delete the orphaned rs')

    ok(await k(['create', 'deployment', 'fg', '--image=busybox', '--replicas=2', '--', 'sleep', '3600']), 'create fg')
    ok(await k(['rollout', 'status', 'deployment/fg', '--timeout=60s'], 70_000), 'fg rolls out')
    const watch = e.watch(`/apis/apps/v1/namespaces/${NS}/deployments?watch=true&fieldSelector=metadata.name%3Dfg`)
    try {
      await watch.waitFor((ev) => ev.type === 'ADDED')
      ok(await k(['delete', 'deployment', 'fg', '--cascade=foreground'], 60_000), 'delete foreground')
      const gone = await watch.waitFor((ev) => ev.type === 'DELETED', 30_000)
      // The owner went last: by then its ReplicaSet and pods were gone.
      expect(gone.object.metadata.finalizers ?? []).toEqual([])
      expect(watch.events.some((ev) => ev.type === 'MODIFIED' && (ev.object.metadata.finalizers ?? []).includes('foregroundDeletion'))).toBe(true)
      expect(await rsNames('fg')).toEqual([])
      expect((await pods('fg')).filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)).toEqual([])
    } finally {
      watch.close()
    }
  })
})

describe('a server restart in the middle of a rollout', () => {
  it('the rollout completes with no duplicate and no lost pod: the controllers rebuild from the store', { timeout: 240_000 }, async () => {
    ok(await k(['create', 'deployment', 'steady', '--image=busybox', '--replicas=4', '--', 'sleep', '3600']), 'create')
    ok(await k(['patch', 'deployment/steady', '--type=merge', '-p', '{"spec":{"minReadySeconds":2,"strategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}']), 'slow rollout')
    ok(await k(['rollout', 'status', 'deployment/steady', '--timeout=90s'], 100_000), 'first rollout')
    ok(await k(['set', 'image', 'deployment/steady', 'busybox=busybox:1.36']), 'set image')
    // Mid-rollout: the new ReplicaSet exists and the old one still has pods.
    await eventually(async () => JSON.parse(ok(await k(['get', 'replicasets', '-l', 'app=steady', '-o', 'json']), 'rs')).items.length === 2, 20_000, 'the new ReplicaSet')
    await e.server.restart()
    ok(await k(['rollout', 'status', 'deployment/steady', '--timeout=150s'], 160_000), 'rollout after restart')
    const live = (await pods('steady')).filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
    expect(live).toHaveLength(4)
    for (const p of live) expect(p.spec.containers[0].image).toBe('busybox:1.36')
    const sets = JSON.parse(ok(await k(['get', 'replicasets', '-l', 'app=steady', '-o', 'json']), 'rs')).items
    expect(sets.map((r: { spec: { replicas: number } }) => r.spec.replicas).sort()).toEqual([0, 4])
    ok(await k(['delete', 'deployment', 'steady']), 'delete')
  })
})

const jobYaml = (name: string, spec: string, command: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${spec}
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", ${JSON.stringify(command)}]
`

describe('Jobs with kubectl', () => {
  it('completions 5 with parallelism 2 completes and kubectl wait sees it', { timeout: 120_000 }, async () => {
    ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: jobYaml('five', '  completions: 5\n  parallelism: 2', 'sleep 1') }), 'apply job')
    ok(await k(['wait', '--for=condition=complete', 'job/five', '--timeout=90s'], 100_000), 'wait complete')
    const job = JSON.parse(ok(await k(['get', 'job', 'five', '-o', 'json']), 'get job'))
    expect(job.status).toMatchObject({ succeeded: 5 })
    expect(job.status.active).toBeUndefined() // zero, and omitempty: kube leaves it out
    expect(parseTable(ok(await k(['get', 'job', 'five']), 'table'))[0]).toMatchObject({ STATUS: 'Complete', COMPLETIONS: '5/5' })
  })

  it('an Indexed Job gives each pod its JOB_COMPLETION_INDEX', { timeout: 120_000 }, async () => {
    ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: jobYaml('idx', '  completions: 3\n  parallelism: 3\n  completionMode: Indexed', 'echo index=$JOB_COMPLETION_INDEX') }), 'apply indexed job')
    ok(await k(['wait', '--for=condition=complete', 'job/idx', '--timeout=90s'], 100_000), 'wait indexed')
    const pods = JSON.parse(ok(await k(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=idx', '-o', 'json']), 'pods')).items
    const seen = []
    for (const p of pods) {
      const index = p.metadata.annotations['batch.kubernetes.io/job-completion-index']
      expect(ok(await k(['logs', p.metadata.name]), 'logs').trim()).toBe(`index=${index}`)
      seen.push(index)
    }
    expect(seen.sort()).toEqual(['0', '1', '2'])
    expect(ok(await k(['get', 'job', 'idx', '-o', 'jsonpath={.status.completedIndexes}']), 'indexes')).toBe('0-2')
  })

  it('a failing Job stops at its backoffLimit', { timeout: 120_000 }, async () => {
    ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: jobYaml('fails', '  backoffLimit: 0', 'exit 3') }), 'apply failing job')
    ok(await k(['wait', '--for=condition=failed', 'job/fails', '--timeout=90s'], 100_000), 'wait failed')
    const job = JSON.parse(ok(await k(['get', 'job', 'fails', '-o', 'json']), 'get job'))
    expect(job.status.failed).toBe(1)
    expect(job.status.conditions.find((c: { type: string }) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' })
  })
})

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
spec:
  schedule: "* * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
            command: ["sh", "-c", "echo tick"]
`

describe('CronJobs with kubectl', () => {
  it('an every-minute CronJob starts a Job that completes, and kubectl create job --from=cronjob works', { timeout: 150_000 }, async () => {
    ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: CRONJOB }), 'apply cronjob')
    const scheduled = await eventually(async () => {
      const jobs = JSON.parse(ok(await k(['get', 'jobs', '-o', 'json']), 'jobs')).items
        .filter((j: { metadata: { name: string } }) => /^tick-\d+$/.test(j.metadata.name))
      return jobs.find((j: { status?: { succeeded?: number } }) => j.status?.succeeded === 1)
    }, 100_000, 'the first scheduled Job to complete')
    const minute = Number(scheduled.metadata.name.slice('tick-'.length))
    expect(scheduled.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'))
    await eventually(async () => JSON.parse(ok(await k(['get', 'cronjob', 'tick', '-o', 'json']), 'cronjob')).status?.lastSuccessfulTime, 30_000, 'lastSuccessfulTime')
    const table = parseTable(ok(await k(['get', 'cronjob', 'tick']), 'get cronjob'))
    expect(table[0]).toMatchObject({ NAME: 'tick', SCHEDULE: '* * * * *', SUSPEND: 'False' })

    ok(await k(['create', 'job', 'by-hand', '--from=cronjob/tick']), 'create job --from')
    ok(await k(['wait', '--for=condition=complete', 'job/by-hand', '--timeout=60s'], 70_000), 'wait by-hand')
    const manual = JSON.parse(ok(await k(['get', 'job', 'by-hand', '-o', 'json']), 'get by-hand'))
    expect(manual.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual')
    expect(manual.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'tick' })
    ok(await k(['delete', 'cronjob', 'tick']), 'delete cronjob')
  })
})

/** The fewest ready, not terminating pods and the most pods at any point of a pod watch from event `from` on. */
function replay(events: WatchEvent[], from: number): { minReady: number; maxPods: number } {
  const state = new Map<string, { ready: boolean; live: boolean }>()
  let minReady = Infinity
  let maxPods = 0
  for (const [i, ev] of events.entries()) {
    const m = ev.object?.metadata
    if (!m?.name) continue
    if (ev.type === 'DELETED') state.delete(m.name)
    else {
      const ready = (ev.object.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')
      state.set(m.name, { ready, live: !m.deletionTimestamp })
    }
    if (i < from - 1) continue
    const live = [...state.values()].filter((s) => s.live)
    minReady = Math.min(minReady, live.filter((s) => s.ready).length)
    maxPods = Math.max(maxPods, live.length)
  }
  return { minReady, maxPods }
}

describe('PodDisruptionBudgets with kubectl', () => {
  it('kubectl drain waits on a budget: an eviction beyond it is refused until the replacement is ready', { timeout: 240_000 }, async () => {
    // Both pods on wl-node-a, so draining it meets the budget twice.
    ok(await e.kubectl(['cordon', 'wl-node-b']), 'cordon')
    try {
      ok(await k(['create', 'deployment', 'guarded', '--image=busybox', '--replicas=2', '--', 'sleep', '3600']), 'create')
      ok(await k(['rollout', 'status', 'deployment/guarded', '--timeout=90s'], 100_000), 'rollout status')
    } finally {
      ok(await e.kubectl(['uncordon', 'wl-node-b']), 'uncordon b')
    }
    expect((await pods('guarded')).map((p: { spec: { nodeName: string } }) => p.spec.nodeName)).toEqual(['wl-node-a', 'wl-node-a'])
    ok(await k(['create', 'poddisruptionbudget', 'guarded', '--selector=app=guarded', '--min-available=1']), 'create pdb')
    await eventually(async () => {
      const [row] = parseTable(ok(await k(['get', 'pdb', 'guarded']), 'get pdb'))
      expect(row).toMatchObject({ NAME: 'guarded', 'MIN AVAILABLE': '1', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '1' })
      return true
    }, 30_000, 'the disruption controller fills in the budget')
    try {
      const drain = await e.kubectl(['drain', 'wl-node-a', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=150s'], { timeoutMs: 160_000 })
      expect(drain.code, drain.stderr).toBe(0)
      expect(drain.stdout).toContain('node/wl-node-a drained')
      expect(drain.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.")
    } finally {
      ok(await e.kubectl(['uncordon', 'wl-node-a']), 'uncordon a')
    }
    ok(await k(['rollout', 'status', 'deployment/guarded', '--timeout=60s'], 70_000), 'rollout status after drain')
    const after = (await pods('guarded')).filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
    expect(after.map((p: { spec: { nodeName: string } }) => p.spec.nodeName)).toEqual(['wl-node-b', 'wl-node-b'])
    const pdb = JSON.parse(ok(await k(['get', 'pdb', 'guarded', '-o', 'json']), 'pdb json'))
    expect(pdb.status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 })
  })
})
