// Port ranges for the gateways a benchmark starts, away from the defaults (30000-31999) and
// the integration harness (32000-35999), and different per benchmark process so two runs on
// one machine do not collide. PortPool and the WebRTC allocator skip ports someone else holds.
export interface BenchPorts {
  media: string;
  webrtc: string;
}

export function benchPorts(slot = 0): BenchPorts {
  const base = 40_000 + ((process.pid + slot) % 20) * 1000;
  return { media: `${base}-${base + 499}`, webrtc: `${base + 500}-${base + 999}` };
}
