import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkWebhookUrl } from './webhook-url.js';

test('receivers on the operator network are accepted', () => {
  for (const url of [
    'https://hooks.example.com/gb?key=abc',
    'http://10.1.2.3:8080/alarms',
    'http://127.0.0.1:9000/',
    'http://[::1]:9000/x',
    'https://192.168.1.20/hook',
  ]) {
    assert.equal(checkWebhookUrl(url).ok, true, url);
  }
});

test('URLs no receiver lives at, or that aim at the metadata service, are refused with a reason', () => {
  const refused: [string, RegExp][] = [
    ['ftp://example.com/x', /http and https/],
    ['file:///etc/passwd', /http and https/],
    ['javascript:alert(1)', /http and https/],
    ['not a url', /absolute URL/],
    ['http://user:pw@example.com/', /credentials/],
    ['http://example.com/#frag', /fragment/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://0.0.0.0:80/', /unspecified/],
    ['http://224.0.0.1/', /multicast/],
    ['http://255.255.255.255/', /multicast or reserved/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[::]/', /unspecified/],
    ['http://[ff02::1]/', /multicast/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    [`https://example.com/${'a'.repeat(2100)}`, /longer than/],
  ];
  for (const [url, reason] of refused) {
    const r = checkWebhookUrl(url);
    assert.equal(r.ok, false, url);
    assert.match(r.ok ? '' : r.reason, reason, url);
  }
});
