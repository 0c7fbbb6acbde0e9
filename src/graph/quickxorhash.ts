/**
 * QuickXorHash, the file hash SharePoint and OneDrive for Business return in
 * `file.hashes.quickXorHash` (https://learn.microsoft.com/en-us/onedrive/developer/code-snippets/quickxorhash):
 * each byte is XORed into a 160-bit register at a bit offset that advances by 11 per byte, then the
 * length (64-bit little-endian) is XORed into the register's last 8 bytes; the result is base64.
 */
const WIDTH_BITS = 160;
const SHIFT = 11;

export function quickXorHash(bytes: Uint8Array): string {
  const reg = new Uint8Array(WIDTH_BITS / 8);
  let bit = 0;
  for (const b of bytes) {
    const index = bit >> 3;
    const offset = bit & 7;
    reg[index]! ^= (b << offset) & 0xff;
    if (offset > 0) reg[(index + 1) % reg.length]! ^= b >> (8 - offset);
    bit = (bit + SHIFT) % WIDTH_BITS;
  }
  let len = BigInt(bytes.length);
  for (let i = 0; i < 8; i++) {
    reg[reg.length - 8 + i]! ^= Number(len & 0xffn);
    len >>= 8n;
  }
  return Buffer.from(reg).toString('base64');
}
