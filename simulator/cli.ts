// `npm run simulator -- [flags]`: one or many simulated GB/T 28181 lower platforms against any
// upper platform. Prints registration progress once a second and a summary on exit (SIGINT,
// SIGTERM or --duration). Exit code 0, or 1 when no device ever registered, 2 on bad flags.
import { parseCliArgs, USAGE } from './cli-args.js';
import { startSimulator } from './index.js';

async function main(): Promise<number> {
  const parsed = parseCliArgs(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`simulator: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const cli = parsed.value;
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }

  const startedAt = Date.now();
  const sim = await startSimulator(cli.simulator);
  const o = sim.options;
  console.log(
    `simulator: ${o.devices} device(s) × ${o.channels} channel(s), ${o.vendor}, ${o.transport.toUpperCase()} → ${o.server.host}:${o.server.port} ` +
      `(${o.serverId}@${o.realm}), clips: ${sim.clips.map((c) => `${c.video}/${c.audio ?? '-'} ${c.frames}f`).join(', ')}`,
  );

  const totals = { sessions: 0, packets: 0, queries: 0, ptz: 0, everRegistered: new Set<string>() };
  for (const d of sim.devices) {
    d.platform.on('registered', () => totals.everRegistered.add(d.deviceId));
    d.platform.on('sessionStart', () => totals.sessions++);
    d.platform.on('sessionEnd', (info) => (totals.packets += info.packets));
    d.platform.on('query', () => totals.queries++);
    d.platform.on('ptz', () => totals.ptz++);
  }

  let last = '';
  const progress = setInterval(() => {
    const c = sim.counts();
    const line = `registered ${c.registered}/${c.devices}, registering ${c.registering}, failed ${c.failed}, streams ${c.sessions}`;
    if (line !== last) {
      console.log(`[${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${line}`);
    }
    last = line;
  }, 1000);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (cli.durationSec !== undefined) {
      setTimeout(resolve, cli.durationSec * 1000);
    }
  });
  clearInterval(progress);

  const c = sim.counts();
  for (const d of sim.devices) {
    for (const s of d.platform.sessions) {
      totals.packets += s.packets;
    }
  }
  const keepalive = sim.devices.reduce(
    (acc, d) => ({
      sent: acc.sent + d.platform.keepaliveStats.sent,
      answered: acc.answered + d.platform.keepaliveStats.answered,
    }),
    { sent: 0, answered: 0 },
  );
  const failures = [
    ...new Set(sim.devices.map((d) => d.platform.lastError).filter((e): e is string => e !== undefined)),
  ].slice(0, 5);
  await sim.close();
  const summary = {
    durationSec: Math.round((Date.now() - startedAt) / 100) / 10,
    devices: c.devices,
    registeredAtEnd: c.registered,
    everRegistered: totals.everRegistered.size,
    failedAtEnd: c.failed,
    keepalivesSent: keepalive.sent,
    keepalivesAnswered: keepalive.answered,
    queries: totals.queries,
    ptzCommands: totals.ptz,
    streams: totals.sessions,
    rtpPackets: totals.packets,
    lastErrors: failures,
  };
  if (cli.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(
      `summary: ${Object.entries(summary)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? JSON.stringify(v) : v}`)
        .join(' ')}`,
    );
  }
  return totals.everRegistered.size > 0 || c.devices === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('simulator failed:', err);
    process.exit(1);
  },
);
