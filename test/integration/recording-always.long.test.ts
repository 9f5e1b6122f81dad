// Acceptance 1 of issue #16 at full length: plan 'always' on 4 channels for 10 minutes (the
// short run in npm test is recording-always.test.ts, 30 s). Run with npm run test:long.
process.env.RECORD_SEC ??= '600';
await import('./recording-always.test.js');
