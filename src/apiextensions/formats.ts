// The string formats kube-openapi's validator checks in custom resources
// (its strfmt registry); any other format is documentation only.
import { isIP } from '../resources/validation';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const HOSTNAME = /^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?))*\.?$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w))+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validDate(v: string): boolean {
  const d = new Date(v.slice(0, 10) + 'T00:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v.slice(0, 10);
}

function cidr(v: string): boolean {
  const [ip, bits, ...rest] = v.split('/');
  if (rest.length || bits === undefined || !/^\d+$/.test(bits) || !isIP(ip)) return false;
  return Number(bits) <= (ip.includes(':') ? 128 : 32);
}

export const FORMATS: Record<string, (v: string) => boolean> = {
  date: (v) => DATE.test(v) && validDate(v),
  'date-time': (v) => DATE_TIME.test(v) && validDate(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  uuid: (v) => UUID.test(v),
  hostname: (v) => v.length <= 255 && HOSTNAME.test(v),
  email: (v) => EMAIL.test(v),
  ipv4: (v) => isIP(v) && !v.includes(':'),
  ipv6: (v) => isIP(v) && v.includes(':'),
  cidr,
  mac: (v) => MAC.test(v),
  duration: (v) => DURATION.test(v),
  byte: (v) => BASE64.test(v),
};
