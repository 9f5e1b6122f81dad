// The two checksums of a FLAC frame (RFC 9639 §9.1.8 and §9.3): CRC-8 over the frame
// header and CRC-16 over the whole frame. Both are MSB-first, initial value 0, no final XOR.
//   CRC-8:  polynomial x^8 + x^2 + x + 1            (0x07)   check("123456789") = 0xF4
//   CRC-16: polynomial x^16 + x^15 + x^2 + 1        (0x8005) check("123456789") = 0xFEE8

function table8(): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let b = 0; b < 8; b++) {
      c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    }
    t[i] = c;
  }
  return t;
}

function table16(): Uint16Array {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) {
      c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
    }
    t[i] = c;
  }
  return t;
}

const T8 = table8();
const T16 = table16();

export function flacCrc8(bytes: Uint8Array, start = 0, end = bytes.byteLength): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = T8[crc ^ bytes[i]];
  }
  return crc;
}

export function flacCrc16(bytes: Uint8Array, start = 0, end = bytes.byteLength): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ T16[(crc >>> 8) ^ bytes[i]];
  }
  return crc;
}
