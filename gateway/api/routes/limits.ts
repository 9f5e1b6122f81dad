// What protects the gateway (issue #20 points 6-8): request budgets, connection caps and WebRTC
// viewer slots, each with the count of what it refused.
import { GatewayError } from '../../errors.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { LimitsBody } from '../responses.js';
import type { RouteDeps } from './route-deps.js';

export function limitRoutes(deps: RouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/limits',
      summary: 'Connection caps, request budgets and viewer slots, with their refusal counts',
      auth: 'bearer',
      response: LimitsBody,
      handler: () => {
        if (!deps.limits) {
          throw new GatewayError('GW_ERR_NOT_FOUND', 'this process reports no limits');
        }
        return deps.limits();
      },
    }),
  ];
}
