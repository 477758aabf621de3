// Image references as the kubelet reads them (distribution/reference plus the default tag) and the pull policy.
import { describe, expect, it } from 'vitest'
import { authFor, parseImage, pullPolicy } from '../../agent/cri/image'

describe('image references', () => {
  it.each([
    ['busybox', 'busybox:latest', 'docker.io', 'latest'],
    ['library/busybox:1.36', 'library/busybox:1.36', 'docker.io', '1.36'],
    ['localhost/busybox:1', 'localhost/busybox:1', 'localhost', '1'],
    ['registry.example.com:5000/team/app:v2', 'registry.example.com:5000/team/app:v2', 'registry.example.com:5000', 'v2'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', '127.0.0.1:5000', 'latest'],
    ['ghcr.io/a/b-c_d.e__f:tag_1.2-x', 'ghcr.io/a/b-c_d.e__f:tag_1.2-x', 'ghcr.io', 'tag_1.2-x'],
  ])('%s parses to %s on %s', (image, ref, registry, tag) => {
    expect(parseImage(image)).toMatchObject({ ref, registry, tag })
  })

  it('keeps a digest and adds no tag to it', () => {
    const digest = `sha256:${'a'.repeat(64)}`
    expect(parseImage(`nginx@${digest}`)).toEqual({ ref: `nginx@${digest}`, registry: 'docker.io', tag: undefined, digest })
  })

  it.each(['', 'localhost/busybox::1', 'busybox:', ':1', 'a//b', '-lead', 'name with space', 'x:' + 't'.repeat(129)])(
    '%j is an invalid reference with the kubelet\'s message', (image) => {
      expect(() => parseImage(image)).toThrow(/^Failed to apply default image tag .*: couldn't parse image name .*: invalid reference format/)
    })

  it('says when an otherwise valid repository is not lowercase; an upper-case first component is a registry host', () => {
    expect(() => parseImage('Busybox:1')).toThrow(/invalid reference format: repository name must be lowercase$/)
    expect(() => parseImage('a/Upper')).toThrow(/repository name must be lowercase$/)
    expect(parseImage('Registry/app:1')).toMatchObject({ registry: 'registry', ref: 'Registry/app:1' })
  })

  it('defaults the pull policy as the API server does, and keeps an explicit one', () => {
    expect(pullPolicy({}, parseImage('busybox'))).toBe('Always')
    expect(pullPolicy({}, parseImage('busybox:latest'))).toBe('Always')
    expect(pullPolicy({}, parseImage('busybox:1'))).toBe('IfNotPresent')
    expect(pullPolicy({}, parseImage(`busybox@sha256:${'b'.repeat(64)}`))).toBe('IfNotPresent')
    expect(pullPolicy({ imagePullPolicy: 'Never' }, parseImage('busybox'))).toBe('Never')
    expect(pullPolicy({ imagePullPolicy: 'Always' }, parseImage('busybox:1'))).toBe('Always')
  })

  it('picks the credentials of the image\'s registry, Docker Hub under any of its names', () => {
    const auths = [
      { serverAddress: 'https://index.docker.io/v1/', username: 'hub' },
      { serverAddress: 'registry.example.com:5000', username: 'mine' },
      { serverAddress: 'other.example.com', username: 'other' },
    ]
    expect(authFor(parseImage('busybox:1'), auths).map((a) => a.username)).toEqual(['hub'])
    expect(authFor(parseImage('registry.example.com:5000/app:1'), auths).map((a) => a.username)).toEqual(['mine'])
    expect(authFor(parseImage('localhost/app:1'), auths)).toEqual([])
  })
})
