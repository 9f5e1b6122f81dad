// Acceptance 6 of issue #16 at full length: one hour of simulated device recordings at speed 4
// (the short run in npm test is recording-download.test.ts, 2 minutes). npm run test:long.
process.env.DOWNLOAD_SEC ??= '3600';
await import('./recording-download.test.js');
