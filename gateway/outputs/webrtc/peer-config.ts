// werift RTCPeerConnection settings for a WHEP viewer (werift 0.24.4).
//
// UDP ports: each viewer gets ONE UDP socket. Audio and video share it (BUNDLE, RFC 8843;
// RTP/RTCP multiplexing, RFC 5761), and there is exactly one host candidate: `publicIp`
// with that socket's port (RFC 8445 §5.1.1.1). The socket is bound on `bindAddress` (all
// interfaces when unset) to the first free port of `portRange` (config `webrtc-ports`,
// default 31000-31999), which werift's icePortRange scans upward from the minimum. Without
// a range the kernel picks an ephemeral port. So the firewall opens portRange/udp, and the
// range caps concurrent viewers at its size.
//
// No STUN/TURN traffic: ice-lite (RFC 8445 §2.5) gathers host candidates only; plain werift
// would query stun.l.google.com even with iceServers: [] (docs/browser-notes.md §2.4 pitfall 1).
// Interface enumeration is off (iceUseIpv4/6: false) because iceInterfaceAddresses does not
// restrict it (pitfall 2); the one address comes from iceAdditionalHostAddresses.
import { RTCRtpCodecParameters, type PeerConfig, type RTCPeerConnectionConfig } from 'werift';
import { CLOCK_HZ } from '../../../codecs/types.js';

export interface WebRtcNetworkOptions {
  /** Address written into the host candidate; what browsers send media checks to. */
  publicIp: string;
  /** UDP port range for viewer sockets (`webrtc-ports`). Default: ephemeral ports. */
  portRange?: { min: number; max: number };
  /** Local address to bind the viewer sockets to. Default: all interfaces (0.0.0.0), which also suits 1:1 NAT where publicIp is not local. */
  bindAddress?: string;
}

/** rtcp-fb the gateway honours: NACK (werift resends from its history), PLI, FIR. */
const feedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }];

/**
 * Codecs werift may match in an offer (it matches by MIME type only and copies the offered
 * fmtp, pitfall 4); the offer is narrowed to the chosen payload type first (sdp-munge.ts),
 * so these entries only decide which m-sections are acceptable at all. Opus is listed so an
 * audio m-section without G.711 still negotiates (as inactive) instead of failing.
 */
export function viewerCodecs(): PeerConfig['codecs'] {
  return {
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: CLOCK_HZ,
        rtcpFeedback: feedback,
        parameters: 'packetization-mode=1',
      }),
      new RTCRtpCodecParameters({ mimeType: 'video/H265', clockRate: CLOCK_HZ, rtcpFeedback: feedback }),
    ],
    audio: [
      // Static payload types (RFC 3551 §6); werift needs them preset for fixed-PT codecs.
      new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
      new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
      new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 }),
    ],
  };
}

export function viewerPeerConfig(net: WebRtcNetworkOptions): RTCPeerConnectionConfig {
  if (net.portRange && net.portRange.min >= net.portRange.max) {
    // werift: "Minimum port and Maximum port must not be the same value".
    throw new Error(
      `webrtc port range ${net.portRange.min}-${net.portRange.max} must span at least two ports`,
    );
  }
  return {
    iceLite: true,
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: [net.publicIp],
    icePortRange: net.portRange ? [net.portRange.min, net.portRange.max] : undefined,
    iceInterfaceAddresses: net.bindAddress ? { udp4: net.bindAddress } : undefined,
    bundlePolicy: 'max-bundle',
    codecs: viewerCodecs(),
    // No header extensions: the gateway does no bandwidth estimation (see HONOURED_RTCP_FB).
    headerExtensions: { video: [], audio: [] },
  };
}
