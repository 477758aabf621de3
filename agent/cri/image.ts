// Image references as the kubelet reads them: the grammar of
// github.com/distribution/reference (domain, path components, tag,
// digest), the default tag "latest" added when there is neither tag nor
// digest (applyDefaultImageTag), and the pull policy the API server
// defaults (Always for :latest or no tag, else IfNotPresent).
import type { RegistryAuth } from '../runtime.ts';
import { registryHost } from '../pull-secrets.ts';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_MAX = 255;

export interface ImageRef {
  /** The reference with the default tag applied, as it goes to the runtime. */
  ref: string;
  /** The registry host ("docker.io" when the name has none). */
  registry: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference; throws an Error with the kubelet's message when it does not parse. */
export function parseImage(image: string): ImageRef {
  const m = REFERENCE.exec(image);
  const bad = () => new Error(`Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image name ${JSON.stringify(image)}: invalid reference format`);
  if (!image || !m) {
    if (/[A-Z]/.test(image) && REFERENCE.test(image.toLowerCase())) {
      throw new Error(`Failed to apply default image tag ${JSON.stringify(image)}: couldn't parse image name ${JSON.stringify(image)}: invalid reference format: repository name must be lowercase`);
    }
    throw bad();
  }
  const [, name, tag, digest] = m;
  if (name.length > NAME_MAX) throw bad();
  const first = name.split('/')[0];
  const hasDomain = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first);
  const registry = hasDomain ? first.toLowerCase() : 'docker.io';
  const ref = tag || digest ? image : `${image}:latest`;
  return { ref, registry, tag: tag || (digest ? undefined : 'latest'), digest };
}

/** The pull policy of a container: the spec's, else what the API server would have defaulted. */
export function pullPolicy(spec: { image?: string; imagePullPolicy?: string }, ref: ImageRef): 'Always' | 'IfNotPresent' | 'Never' {
  const p = spec.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  return !ref.digest && ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The credentials that apply to the image's registry, in the order the pod lists them. */
export function authFor(ref: ImageRef, auths: RegistryAuth[]): RegistryAuth[] {
  return auths.filter((a) => registryHost(a.serverAddress) === ref.registry);
}
