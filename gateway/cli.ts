// `npm run gateway -- [flags]`: the gateway alone. Flags, GB_* environment variables and a
// --config file are described in docs/api.md §4 and gateway/config.ts.
import { loadConfig, secretsOnCommandLine } from './config.js';
import { gatewayUsage } from './config-help.js';
import { startGateway } from './main.js';
import { startMediaNode } from './cluster/media-node.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(gatewayUsage());
    return;
  }
  let config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    console.error((err as Error).message);
    console.error('(npm run gateway -- --help lists the flags)');
    process.exit(2);
  }
  for (const name of secretsOnCommandLine(argv)) {
    const env = `GB_${name.toUpperCase().replace(/-/g, '_')}`;
    console.error(
      `warning: --${name} on the command line can be read by any local user (/proc/PID/cmdline, ps); ` +
        `give it with --${name}-file or ${env} instead`,
    );
  }
  if (config.role === 'media') {
    const node = await startMediaNode(config);
    console.log(
      `media node ${node.nodeId}: RTP on ${node.publicIp} ${config['media-ports'].min}-${config['media-ports'].max}, browsers at ${node.http}`,
    );
    console.log(`HTTP http://${config['http-host']}:${node.httpPort}/`);
    stopOnSignals(() => node.close());
    return;
  }
  const gw = await startGateway(config);
  for (const name of gw.secrets.generated) {
    // Printed once, at generation; afterwards they live only in the data dir (mode 0600).
    const value =
      name === 'password' ? gw.secrets.password : name === 'api-token' ? gw.secrets.apiToken : '(stored)';
    console.log(`generated ${name}: ${value}  (saved in ${config['data-dir']}/${name})`);
  }
  console.log(`SIP ${config['sip-id']}@${config.realm} on ${gw.publicIp}:${gw.sipPort} (UDP+TCP)`);
  console.log(`HTTP http://${config['http-host']}:${gw.httpPort}/`);
  stopOnSignals(() => gw.close());
}

function stopOnSignals(close: () => Promise<void>): void {
  const stop = (signal: string) => {
    console.log(`${signal}: sending BYE to every stream and closing`);
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

process.on('unhandledRejection', (err) => {
  console.error('unhandled rejection', err);
  process.exit(1);
});
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
