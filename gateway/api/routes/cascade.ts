// /api/upper-platforms: the gateway's own upper platforms (cascade) and the channels shared with
// each. Entries of the route table like the others, so /openapi.json describes them too.
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import {
  SharesBodySchema,
  UpperPlatformSchema,
  UpperPlatformUpdateSchema,
  type UpperPlatformInput,
  type UpperPlatformUpdate,
} from '../../views/upper-platform-config.js';
import type { ShareEntry } from '../../store/cascade-store.js';
import type { CascadeServices } from '../../views/cascade-services.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { GbId } from '../validation.js';
import { OkBody, SharesBody, UpperPlatformDetailBody, UpperPlatformViewBody } from '../responses.js';

const UpperParams = z.object({ upperId: GbId });
type UpperP = { upperId: string };

export function cascadeRoutes(cascade: CascadeServices | undefined): ApiRoute[] {
  const services = (): CascadeServices => {
    if (!cascade) {
      throw new GatewayError('GW_ERR_NOT_FOUND', 'this gateway runs without the cascade role');
    }
    return cascade;
  };
  const requireUpper = (id: string) => {
    const detail = services().getUpperPlatform(id);
    if (!detail) {
      throw new GatewayError('GW_ERR_UPPER_PLATFORM_NOT_FOUND', `no upper platform ${id}`);
    }
    return detail;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/upper-platforms',
      summary: 'Upper platforms we register to as a lower platform (cascade), with their link state',
      auth: 'bearer',
      response: z.array(UpperPlatformViewBody),
      handler: () => cascade?.listUpperPlatforms() ?? [],
    }),
    defineRoute({
      method: 'post',
      path: '/api/upper-platforms',
      errors: ['GW_ERR_UPPER_PLATFORM_EXISTS'],
      summary: 'Add an upper platform and register to it',
      auth: 'bearer',
      body: UpperPlatformSchema,
      status: 201,
      response: UpperPlatformDetailBody,
      handler: ({ body }) => services().createUpperPlatform(body as UpperPlatformInput),
    }),
    defineRoute({
      method: 'get',
      path: '/api/upper-platforms/:upperId',
      summary: 'One upper platform: settings, link state, shares and the catalog it sees',
      auth: 'bearer',
      params: UpperParams,
      response: UpperPlatformDetailBody,
      handler: ({ params }) => requireUpper((params as UpperP).upperId),
    }),
    defineRoute({
      method: 'put',
      path: '/api/upper-platforms/:upperId',
      summary: 'Replace the settings (and optionally the shares) of an upper platform; registers afresh',
      auth: 'bearer',
      params: UpperParams,
      body: UpperPlatformUpdateSchema,
      response: UpperPlatformDetailBody,
      handler: ({ params, body }) =>
        services().updateUpperPlatform((params as UpperP).upperId, body as UpperPlatformUpdate),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/upper-platforms/:upperId',
      summary: 'Unregister from an upper platform and forget it and its shares',
      auth: 'bearer',
      params: UpperParams,
      response: OkBody,
      handler: async ({ params }) => {
        await services().deleteUpperPlatform((params as UpperP).upperId);
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/upper-platforms/:upperId/shares',
      summary: 'The sharing relations of an upper platform and the catalog they resolve to',
      auth: 'bearer',
      params: UpperParams,
      response: SharesBody,
      handler: ({ params }) => {
        const { shares, catalog } = requireUpper((params as UpperP).upperId);
        return { shares, catalog };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/upper-platforms/:upperId/shares',
      summary: 'Replace the sharing relations; the upper is notified of the changes (ADD/DEL/UPDATE)',
      auth: 'bearer',
      params: UpperParams,
      body: SharesBodySchema,
      response: SharesBody,
      handler: async ({ params, body }) => {
        const { shares, catalog } = await services().setShares(
          (params as UpperP).upperId,
          (body as { shares: ShareEntry[] }).shares,
        );
        return { shares, catalog };
      },
    }),
  ];
}
