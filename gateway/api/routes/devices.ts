// Health, devices and their catalogs (docs/api.md §3).
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import {
  CatalogSyncBody,
  ChannelViewBody,
  DeviceDetailBody,
  DeviceViewBody,
  HealthBody,
} from '../responses.js';
import { DeviceParams } from '../validation.js';
import { requireDevice, type DeviceP, type RouteDeps } from './route-deps.js';

export function deviceRoutes(deps: RouteDeps): ApiRoute[] {
  const { services } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Liveness and version',
      auth: 'none',
      response: HealthBody,
      handler: () => ({
        status: 'ok',
        version: deps.version,
        uptimeSec: Math.round((Date.now() - deps.startedAt) / 1000),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices',
      summary: 'Registered and known devices',
      auth: 'bearer',
      response: z.array(DeviceViewBody),
      handler: () => services.listDevices(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId',
      summary: 'One device, with DeviceInfo/DeviceStatus when known',
      auth: 'bearer',
      params: DeviceParams,
      response: DeviceDetailBody,
      handler: ({ params }) => requireDevice(services, (params as DeviceP).deviceId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/catalog/sync',
      errors: ['GW_ERR_DEVICE_OFFLINE', 'GW_ERR_DEVICE_TIMEOUT'],
      summary: 'Query the catalog now',
      auth: 'bearer',
      params: DeviceParams,
      response: CatalogSyncBody,
      handler: ({ params }) => {
        const { deviceId } = params as DeviceP;
        requireDevice(services, deviceId);
        return services.syncCatalog(deviceId);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/channels',
      summary: "A device's channels",
      auth: 'bearer',
      params: DeviceParams,
      response: z.array(ChannelViewBody),
      handler: ({ params }) => {
        const { deviceId } = params as DeviceP;
        const channels = services.listChannels(deviceId);
        if (!channels) {
          throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
        }
        return channels;
      },
    }),
  ];
}
