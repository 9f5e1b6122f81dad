// Webhooks and the signed URL of the event stream (docs/events.md §4-§5). A webhook's secret is
// accepted here and never shown again: the answers say only whether deliveries are signed.
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { WebhookInput } from '../../views/events.js';
import { OkBody } from '../responses.js';
import { EventsTokenBody, WebhookBody } from '../event-responses.js';
import { WebhookCreateBody, WebhookParams } from '../event-validation.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { requireEvents, type RouteDeps } from './route-deps.js';

export function webhookRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/webhooks',
      summary:
        'Register a webhook: each event is POSTed as JSON with X-GB-Signature: sha256=<HMAC of the body> (when a secret is given), retried with back-off',
      auth: 'bearer',
      body: WebhookCreateBody,
      status: 201,
      response: WebhookBody,
      handler: ({ body }) => requireEvents(deps).addWebhook(body as WebhookInput),
    }),
    defineRoute({
      method: 'get',
      path: '/api/webhooks',
      summary: 'Registered webhooks with their delivery counters (secrets are never shown)',
      auth: 'bearer',
      response: z.array(WebhookBody),
      handler: () => requireEvents(deps).listWebhooks(),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/webhooks/:webhookId',
      summary: 'Remove a webhook (what it still had queued is dropped)',
      auth: 'bearer',
      params: WebhookParams,
      response: OkBody,
      handler: async ({ params }) => {
        const { webhookId } = params as { webhookId: string };
        if (!(await requireEvents(deps).deleteWebhook(webhookId))) {
          throw new GatewayError('GW_ERR_WEBHOOK_NOT_FOUND', `no webhook ${webhookId}`);
        }
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/events/token',
      summary: 'A signed, expiring ?token= for GET /api/events, for clients that cannot send a bearer header',
      auth: 'bearer',
      response: EventsTokenBody,
      handler: () => {
        requireEvents(deps);
        if (!deps.eventsToken) {
          throw new GatewayError('GW_ERR_EVENTS_UNAVAILABLE');
        }
        const { token, expiresAt } = deps.eventsToken();
        return { token, expiresAt, url: `/api/events?token=${encodeURIComponent(token)}` };
      },
    }),
  ];
}
