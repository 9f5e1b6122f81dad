// CRC-32 of ISO/IEC 13818-1 Annex A (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no
// reflection, no final XOR), as carried at the end of a program stream map. The demuxer
// does not check it (ireader's libmpeg writes it byte-reversed); the muxer writes it.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) {
      c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    }
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32Mpeg(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ bytes[i]) & 0xff];
  }
  return crc >>> 0;
}
