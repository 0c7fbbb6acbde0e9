/** Masked hints: enough for a person to find the value on the page, never enough to identify anyone. */

export function maskDigits(value: string, keep = 3): string {
  let seen = 0;
  return value.replace(/\d/g, (d) => (++seen <= keep ? d : '*'));
}

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

export function maskWords(value: string): string {
  return value
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `${w.slice(0, 1)}${'*'.repeat(Math.max(2, Math.min(6, w.length - 1)))}`)
    .join(' ');
}

export function maskPostcode(pc: string): string {
  const outward = pc.trim().split(/\s+/)[0] ?? '';
  return `${outward} ***`;
}

export function maskNiNumber(ni: string): string {
  return `${ni.replace(/\s/g, '').slice(0, 2)} ** ** ** *`;
}
