// `npm start`: the gateway plus one simulated lower platform (4 channels, different clips and
// their sub-streams, G.711 audio, three named presets) on loopback, then prints the URL to open,
// with the access token in its fragment and autoplay on: the page opens with the channels playing.
// The device is subscribed to on registration (alarms, positions, catalog), raises a simulated
// alarm every ten seconds or so and drives its channels around a loop, so the alarm panel and
// the map show something within a minute (docs/events.md §9).
import { loadConfig } from './config.js';
import { startGateway } from './main.js';
import { startSimulator } from '../simulator/index.js';

async function main(): Promise<void> {
  // Loopback only: the demo's simulated device must not be reachable from the network.
  const config = loadConfig([
    '--sip-host',
    '127.0.0.1',
    '--public-ip',
    '127.0.0.1',
    '--catalog-interval',
    '0',
    '--subscribe-on-register',
    'alarm,mobile-position,catalog',
    '--position-interval',
    '2',
    ...process.argv.slice(2),
  ]);
  const gw = await startGateway(config);
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: gw.sipPort },
    serverId: config['sip-id'],
    realm: config.realm,
    password: gw.secrets.password,
    devices: 1,
    channels: 4,
    keepaliveIntervalSec: Math.min(60, config['keepalive-interval']),
    presets: [
      { index: 1, name: '大门' },
      { index: 2, name: '停车场' },
      { index: 3, name: '全景' },
    ],
    alarmRatePerMin: 6,
  });
  const registered = await sim.waitForRegistered(1, 10_000);
  const url = `http://${config['http-host']}:${gw.httpPort}/#token=${encodeURIComponent(gw.secrets.apiToken)}&autoplay=1`;
  console.log(
    registered
      ? 'simulated platform registered (1 device, 4 channels)'
      : 'warning: the simulated platform did not register within 10 s',
  );
  console.log(`\nOpen ${url}\n`);
  console.log(`API token (Authorization: Bearer …): ${gw.secrets.apiToken}`);
  const stop = () => {
    void sim.close().finally(() => gw.close().finally(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') {
    console.error(`a port is already in use (${e.message}); pass --http-port / --sip-port to pick others`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
