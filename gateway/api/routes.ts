// The JSON API: every route file's entries, in the order /openapi.json lists them.
import type { ApiRoute } from './route-table.js';
import { cascadeRoutes } from './routes/cascade.js';
import { channelRoutes } from './routes/channels.js';
import { controlRoutes } from './routes/control.js';
import { deviceRoutes } from './routes/devices.js';
import { mediaUrlRoutes } from './routes/media-urls.js';
import { limitRoutes } from './routes/limits.js';
import type { RouteDeps } from './routes/route-deps.js';
import { streamRoutes } from './routes/streams.js';
import { voiceRoutes } from './routes/voice.js';
import { alarmRoutes } from './routes/alarms.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { webhookRoutes } from './routes/webhooks.js';
import { recordingRoutes } from './routes/recording.js';

export type { RouteDeps } from './routes/route-deps.js';

export function buildRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    ...deviceRoutes(deps),
    ...channelRoutes(deps),
    ...controlRoutes(deps.control),
    ...streamRoutes(deps),
    ...mediaUrlRoutes(deps),
    ...cascadeRoutes(deps.cascade),
    ...voiceRoutes(deps),
    ...alarmRoutes(deps),
    ...subscriptionRoutes(deps),
    ...webhookRoutes(deps),
    ...limitRoutes(deps),
    ...recordingRoutes(deps),
  ];
}
