// Writes a GB SDP model in the reference's line order (docs/gb28181.md §7), CRLF after every line.
import type { GbSdp, MediaTransport } from './model.js';

function addressLine(address: string): string {
  return `IN ${address.includes(':') ? 'IP6' : 'IP4'} ${address}`;
}

function protoOf(t: MediaTransport): string {
  return t.protocol === 'udp' ? 'RTP/AVP' : 'TCP/RTP/AVP';
}

/** Writes the SDP with CRLF after every line (the reference's Content-Lengths count the last one). */
export function writeGbSdp(sdp: GbSdp): string {
  const o = sdp.origin;
  const lines = [
    'v=0',
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${addressLine(o.address)}`,
    `s=${sdp.sessionName}`,
  ];
  if (sdp.uri !== undefined) {
    lines.push(`u=${sdp.uri}`);
  }
  if (sdp.connectionAddress !== undefined) {
    lines.push(`c=${addressLine(sdp.connectionAddress)}`);
  }
  lines.push(`t=${sdp.time.start} ${sdp.time.stop}`);
  for (const m of sdp.media) {
    lines.push(`m=${m.type} ${m.port} ${protoOf(m.transport)} ${m.payloadTypes.join(' ')}`);
    if (m.connectionAddress !== undefined) {
      lines.push(`c=${addressLine(m.connectionAddress)}`);
    }
    if (m.direction !== undefined) {
      lines.push(`a=${m.direction}`);
    }
    for (const r of m.rtpmaps) {
      lines.push(`a=rtpmap:${r.payloadType} ${r.encoding}/${r.clockRate}`);
    }
    if (m.fileSize !== undefined) {
      lines.push(`a=filesize:${m.fileSize}`);
    }
    if (m.transport.protocol === 'tcp') {
      if (m.transport.setup !== undefined) {
        lines.push(`a=setup:${m.transport.setup}`);
      }
      if (m.transport.connection !== undefined) {
        lines.push(`a=connection:${m.transport.connection}`);
      }
    }
    if (m.downloadSpeed !== undefined) {
      lines.push(`a=downloadspeed:${m.downloadSpeed}`);
    }
    for (const a of m.otherAttributes) {
      lines.push(`a=${a}`);
    }
  }
  if (sdp.ssrc !== undefined) {
    lines.push(`y=${sdp.ssrc}`);
  }
  if (sdp.format !== undefined) {
    lines.push(`f=${sdp.format}`);
  }
  return lines.join('\r\n') + '\r\n';
}
