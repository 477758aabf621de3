// CRI configs from pod specs: cgroup resources as the kubelet computes them, network and namespace modes, labels.
import { describe, expect, it } from 'vitest'
import { LABEL_NODE, LABEL_POD_UID, containerConfig, resources, sandboxConfig } from '../../agent/cri/config'

const pod = (spec: object = {}) => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } })
const opts = { nodeName: 'n1', logDirectory: '/logs/ns_p_u1', podNetwork: true }

describe('container resources', () => {
  it('turn limits into a CFS quota and a memory limit, and requests into cpu shares', () => {
    expect(resources({ resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } }))
      .toEqual({ cpu_period: 100000, cpu_quota: 50000, memory_limit_in_bytes: 64 * 1024 * 1024, cpu_shares: 256 })
  })
  it('give a best-effort container the minimum shares and no limits', () => {
    expect(resources({})).toEqual({ cpu_shares: 2 })
  })
  it('take the cpu limit as the request when there is none, and keep a tiny quota at the minimum', () => {
    expect(resources({ resources: { limits: { cpu: '1m' } } })).toEqual({ cpu_period: 100000, cpu_quota: 1000, cpu_shares: 2 })
    expect(resources({ resources: { limits: { cpu: '2' } } })).toMatchObject({ cpu_quota: 200000, cpu_shares: 2048 })
  })
})

describe('sandboxes', () => {
  it('have their own network and hostname on a pod network, and carry the pod and node labels', () => {
    const s = sandboxConfig(pod(), opts)
    expect(s.hostname).toBe('p')
    expect(s.linux.security_context.namespace_options).toEqual({ network: 'POD', pid: 'CONTAINER', ipc: 'POD' })
    expect(s.labels).toMatchObject({ app: 'x', [LABEL_POD_UID]: 'u1', [LABEL_NODE]: 'n1' })
    expect(s.log_directory).toBe('/logs/ns_p_u1')
  })
  it('share the node network (and set no hostname) for hostNetwork pods or without a pod network', () => {
    for (const s of [sandboxConfig(pod({ hostNetwork: true }), opts), sandboxConfig(pod(), { ...opts, podNetwork: false })]) {
      expect(s.hostname).toBe('')
      expect(s.linux.security_context.namespace_options.network).toBe('NODE')
    }
  })
})

describe('containers', () => {
  it('merge the container security context over the pod one and mask /proc paths unless privileged', () => {
    const p = pod({ securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [5] } })
    const base = { pod: p, podUid: 'u1', namespace: 'ns', podName: 'p', container: 'c', attempt: 2, env: { A: '1' }, mounts: [], pullAuth: [], specHash: 'h' }
    const c = containerConfig({ ...base, spec: { image: 'i', securityContext: { runAsUser: 0, readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } } }, 'sha256:x', false, 'n1')
    expect(c.linux.security_context).toMatchObject({
      run_as_user: { value: 0 }, run_as_group: { value: 3000 }, readonly_rootfs: true, supplemental_groups: [5],
      capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'] },
    })
    expect(c.linux.security_context.masked_paths).toContain('/proc/kcore')
    expect(c.log_path).toBe('c/2.log')
    expect(c.envs).toEqual([{ key: 'A', value: '1' }])
    expect(c.image).toEqual({ image: 'sha256:x', user_specified_image: 'i' })
    const priv = containerConfig({ ...base, spec: { image: 'i', securityContext: { privileged: true } } }, 'i', false, 'n1')
    expect(priv.linux.security_context.masked_paths).toEqual([])
  })
})
