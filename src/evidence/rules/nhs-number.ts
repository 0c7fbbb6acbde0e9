/**
 * NHS numbers: ten digits whose last is a modulus-11 check digit
 * (NHS Data Dictionary, "NHS Number": weights 10..2 on the first nine digits; 11 − (sum mod 11),
 * where 11 becomes 0 and 10 means the number is not valid).
 */
export function isValidNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10) return false;
  return check === Number(digits[9]);
}

/** Ten digits as 3-3-4 (spaces or hyphens) or run together, not part of a longer number. */
const CANDIDATE = /(?<![\d+])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d])/g;

export function findNhsNumbers(text: string): { digits: string; index: number }[] {
  const out: { digits: string; index: number }[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const digits = `${m[1]}${m[3]}${m[4]}`;
    if (isValidNhsNumber(digits)) out.push({ digits, index: m.index });
  }
  return out;
}
