// Revoking signed media URLs (docs/api.md §5): of one channel (its live and playback
// streams), or every URL handed out so far. URLs issued afterwards work; WHEP sessions opened
// with a revoked URL end at once, HLS players get 401 on their next request.
import { defineRoute, type ApiRoute } from '../route-table.js';
import { RevocationBody } from '../responses.js';
import { ChannelParams } from '../validation.js';
import type { ChannelP, RouteDeps } from './route-deps.js';

export function mediaUrlRoutes(deps: RouteDeps): ApiRoute[] {
  const answer = (scope: 'all' | 'channel', r: { revokedAt: Date; sessionsEnded: number }) => ({
    scope,
    revokedAt: r.revokedAt.toISOString(),
    sessionsEnded: r.sessionsEnded,
  });
  return [
    defineRoute({
      method: 'post',
      path: '/api/media-urls/revoke',
      summary: 'Revoke every signed WHEP/HLS URL issued so far',
      auth: 'bearer',
      response: RevocationBody,
      handler: () => answer('all', deps.revokeMediaUrls()),
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/media-urls/revoke',
      summary: "Revoke the signed WHEP/HLS URLs of one channel's streams issued so far",
      auth: 'bearer',
      params: ChannelParams,
      response: RevocationBody,
      handler: ({ params }) => answer('channel', deps.revokeMediaUrls(params as ChannelP)),
    }),
  ];
}
