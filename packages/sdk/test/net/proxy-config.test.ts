import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bypassesProxy,
  checkProxyOption,
  isLoopback,
  NO_PROXY_VARIABLES,
  PROXY_VARIABLES,
  type ProxyOption,
  parseProxyUrl,
  resolveProxy,
} from '../../src/net/proxy-config.js';

const TARGET = { host: 'ws.zerobus.example.com', port: 443 };

/** The proxy `resolveProxy` picks for `env`, shown with its source. */
function picked(env: Record<string, string>, target = TARGET): string | undefined {
  const proxy = resolveProxy(target, { env });
  return proxy && `${proxy.display} from ${proxy.source}`;
}

describe('proxy choice from the environment', () => {
  const cases: [string, Record<string, string>, string | undefined][] = [
    ['nothing set', {}, undefined],
    [
      'grpc_proxy over https_proxy and http_proxy',
      { grpc_proxy: 'g:1', https_proxy: 's:2', http_proxy: 'h:3' },
      'http://g:1 from grpc_proxy',
    ],
    ['https_proxy over http_proxy', { https_proxy: 's:2', http_proxy: 'h:3' }, 'http://s:2 from https_proxy'],
    ['http_proxy alone', { http_proxy: 'h:3' }, 'http://h:3 from http_proxy'],
    ['lower case before upper case', { GRPC_PROXY: 'G:1', grpc_proxy: 'g:1' }, 'http://g:1 from grpc_proxy'],
    ['upper case when lower is unset', { GRPC_PROXY: 'G:1', https_proxy: 's:2' }, 'http://g:1 from GRPC_PROXY'],
    ['HTTPS_PROXY over http_proxy', { HTTPS_PROXY: 'S:2', http_proxy: 'h:3' }, 'http://s:2 from HTTPS_PROXY'],
    ['HTTP_PROXY last', { HTTP_PROXY: 'H:3' }, 'http://h:3 from HTTP_PROXY'],
    ['an empty value is unset', { grpc_proxy: '', https_proxy: '  ', http_proxy: 'h:3' }, 'http://h:3 from http_proxy'],
    ['HTTP_PROXY ignored in a CGI request (httpoxy)', { HTTP_PROXY: 'evil:1', REQUEST_METHOD: 'GET' }, undefined],
    ['http_proxy still honoured in CGI', { http_proxy: 'h:3', REQUEST_METHOD: 'GET' }, 'http://h:3 from http_proxy'],
    ['default port 80', { https_proxy: 'http://proxy.corp' }, 'http://proxy.corp:80 from https_proxy'],
    [
      'host case folded, path ignored',
      { https_proxy: 'http://Proxy.Corp:3128/' },
      'http://proxy.corp:3128 from https_proxy',
    ],
    ['IPv6 proxy', { https_proxy: 'http://[::1]:3128' }, 'http://[::1]:3128 from https_proxy'],
    ['no_proxy bypass', { https_proxy: 's:2', no_proxy: 'example.com' }, undefined],
    [
      'no_grpc_proxy replaces no_proxy',
      { https_proxy: 's:2', no_grpc_proxy: 'other.org', no_proxy: '*' },
      'http://s:2 from https_proxy',
    ],
    ['NO_GRPC_PROXY before no_proxy', { https_proxy: 's:2', NO_GRPC_PROXY: '*', no_proxy: 'other.org' }, undefined],
    ['NO_PROXY when no_proxy unset', { https_proxy: 's:2', NO_PROXY: '.example.com' }, undefined],
    [
      'no_proxy before NO_PROXY',
      { https_proxy: 's:2', no_proxy: 'other.org', NO_PROXY: '*' },
      'http://s:2 from https_proxy',
    ],
    ['empty no_proxy is unset', { https_proxy: 's:2', no_grpc_proxy: ' ', no_proxy: '*' }, undefined],
  ];
  for (const [name, env, expected] of cases) {
    it(name, () => assert.equal(picked(env), expected));
  }

  it('looks at the variables in the documented order', () => {
    assert.deepEqual(PROXY_VARIABLES, [
      'grpc_proxy',
      'GRPC_PROXY',
      'https_proxy',
      'HTTPS_PROXY',
      'http_proxy',
      'HTTP_PROXY',
    ]);
    assert.deepEqual(NO_PROXY_VARIABLES, ['no_grpc_proxy', 'NO_GRPC_PROXY', 'no_proxy', 'NO_PROXY']);
  });

  it('property: the first set variable in the order wins, whichever others are set', () => {
    fc.assert(
      fc.property(fc.subarray(PROXY_VARIABLES, { minLength: 1 }), (names) => {
        const env = Object.fromEntries(names.map((name, i) => [name, `http://p${i}.example:${1000 + i}`]));
        const first = PROXY_VARIABLES.find((name) => names.includes(name));
        assert.equal(resolveProxy(TARGET, { env })?.source, first);
      }),
    );
  });

  it('the explicit option wins over the environment, and false ignores it', () => {
    const env = { https_proxy: 'env:1', no_proxy: '*' };
    assert.equal(resolveProxy(TARGET, 'http://opt:2', env)?.display, 'http://opt:2');
    assert.equal(resolveProxy(TARGET, 'http://opt:2', env)?.source, 'the proxy option');
    assert.equal(resolveProxy(TARGET, false, { https_proxy: 'env:1' }), undefined);
    assert.equal(resolveProxy(TARGET, undefined, { https_proxy: 'env:1' })?.display, 'http://env:1');
  });
});

describe('loopback targets', () => {
  const env = { https_proxy: 'http://proxy.corp:3128' };
  for (const host of [
    'localhost',
    'LocalHost.',
    'api.localhost',
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
  ]) {
    it(`${host} takes no proxy from the environment, but the explicit option`, () => {
      assert.equal(isLoopback(host), true);
      assert.equal(resolveProxy({ host, port: 50051 }, { env }), undefined);
      assert.equal(resolveProxy({ host, port: 50051 }, undefined, env), undefined);
      assert.equal(resolveProxy({ host, port: 50051 }, 'http://opt:2', env)?.display, 'http://opt:2');
    });
  }
  for (const host of ['128.0.0.1', '::2', '10.0.0.1', 'localhost.example.com', 'mylocalhost', '0.0.0.0']) {
    it(`${host} is not loopback: the environment's proxy applies`, () => {
      assert.equal(isLoopback(host), false);
      assert.equal(resolveProxy({ host, port: 50051 }, { env })?.display, 'http://proxy.corp:3128');
    });
  }
});

describe('no_proxy matching', () => {
  const cases: [list: string, host: string, port: number, bypass: boolean][] = [
    ['*', 'anything.example', 443, true],
    ['a.org, *', 'anything.example', 443, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'api.example.com', 443, true],
    ['example.com', 'a.b.example.com', 443, true],
    ['example.com', 'badexample.com', 443, false],
    ['example.com', 'example.com.evil.org', 443, false],
    ['.example.com', 'example.com', 443, true],
    ['.example.com', 'api.example.com', 443, true],
    ['*.example.com', 'api.example.com', 443, true],
    ['EXAMPLE.com', 'Api.Example.COM', 443, true],
    ['example.com.', 'api.example.com', 443, true],
    ['example.com', 'api.example.com.', 443, true],
    [' other.org , example.com ', 'example.com', 443, true],
    ['a.org,,b.org,', 'example.com', 443, false], // empty entries bypass nothing
    ['', 'example.com', 443, false],
    ['example.com:8443', 'example.com', 8443, true],
    ['example.com:8443', 'example.com', 443, false],
    ['example.com:x', 'example.com', 443, false],
    ['localhost', 'localhost', 80, true],
    ['localhost', '127.0.0.1', 80, false], // no DNS: a name never matches an address
    ['127.0.0.1', '127.0.0.1', 50051, true],
    ['127.0.0.1', '127.0.0.10', 50051, false],
    ['127.0.0.1:50051', '127.0.0.1', 50051, true],
    ['127.0.0.1:50051', '127.0.0.1', 50052, false],
    ['10.0.0.0/8', '10.20.30.40', 443, true],
    ['10.0.0.0/8', '11.0.0.1', 443, false],
    ['10.0.0.0/8', 'ten.example', 443, false],
    ['10.0.0.0/33', '10.0.0.1', 443, false],
    ['::1', '::1', 443, true],
    ['::1', '[::1]', 443, true],
    ['[::1]', '::1', 443, true],
    ['[::1]:50051', '::1', 50051, true],
    ['[::1]:50051', '::1', 443, false],
    ['0:0:0:0:0:0:0:1', '::1', 443, true],
    ['fd00::/8', 'fd12:3456::1', 443, true],
    ['fd00::/8', 'fe80::1', 443, false],
    ['127.0.0.1', '::1', 443, false],
    ['1.2.3.4', 'x.1.2.3.4', 443, false],
  ];
  for (const [list, host, port, bypass] of cases) {
    it(`${JSON.stringify(list)} ${bypass ? 'covers' : 'does not cover'} ${host}:${port}`, () =>
      assert.equal(bypassesProxy(list, host, port), bypass));
  }

  // Labels start with a letter, so that no generated name is an IP address.
  const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

  it('property: an entry covers its host and every subdomain, in any case, with or without a leading dot', () => {
    fc.assert(
      fc.property(domain, fc.array(label, { maxLength: 3 }), fc.boolean(), fc.boolean(), (d, sub, dot, upper) => {
        const host = [...sub, d].join('.');
        const entry = `${dot ? '.' : ''}${upper ? d.toUpperCase() : d}`;
        assert.equal(bypassesProxy(`other.invalid,${entry}`, host, 443), true);
      }),
    );
  });

  it('property: an entry never covers a host that merely ends with its text', () => {
    fc.assert(
      fc.property(domain, label, (d, prefix) => {
        assert.equal(bypassesProxy(d, `${prefix}${d}`, 443), false);
      }),
    );
  });
});

describe('proxy URLs', () => {
  it('turns credentials into Proxy-Authorization and shows none of them', () => {
    const proxy = parseProxyUrl('http://us%40er:p%3Ass@proxy.corp:3128', 'https_proxy');
    assert.equal(proxy.authorization(), `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    assert.equal(proxy.display, 'http://proxy.corp:3128');
    assert.equal(String(proxy), 'http://proxy.corp:3128');
    assert.deepEqual(JSON.parse(JSON.stringify(proxy)), { proxy: 'http://proxy.corp:3128', source: 'https_proxy' });
    assert.ok(proxy.hasCredentials);
    assert.equal(
      parseProxyUrl('http://user@p:1', 'x').authorization(),
      `Basic ${Buffer.from('user:').toString('base64')}`,
    );
    assert.equal(parseProxyUrl('p:1', 'x').authorization(), undefined);
  });

  it('property: any credentials round-trip into the header and leave display, string and JSON forms alone', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (user, password) => {
        const proxy = parseProxyUrl(
          `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@proxy.corp:3128`,
          'https_proxy',
        );
        const header = proxy.authorization() ?? '';
        assert.equal(Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8'), `${user}:${password}`);
        assert.equal(proxy.display, 'http://proxy.corp:3128');
        assert.equal(String(proxy), 'http://proxy.corp:3128');
        assert.equal(JSON.stringify(proxy), '{"proxy":"http://proxy.corp:3128","source":"https_proxy"}');
      }),
    );
  });

  it('refuses unusable URLs without repeating them', () => {
    const refuse = (value: string, message: RegExp) =>
      assert.throws(
        () => resolveProxy(TARGET, { env: { https_proxy: value } }),
        (e: unknown) =>
          (e as { code?: string }).code === 'INVALID_OPTIONS' &&
          message.test((e as Error).message) &&
          !(e as Error).message.includes('secret'),
      );
    refuse('https://user:secret@proxy:3128', /^https_proxy uses https:\/\/; only http:\/\/ proxies/);
    refuse('socks5://user:secret@proxy:1080', /socks5:/);
    refuse('http://user:secret@[bad', /^https_proxy is not a valid proxy URL$/);
  });

  it('resolveProxy refuses an option of the wrong shape rather than crashing', () => {
    assert.throws(() => resolveProxy(TARGET, 42 as unknown as ProxyOption), { code: 'INVALID_OPTIONS' });
    assert.throws(() => resolveProxy(TARGET, {} as unknown as ProxyOption), { code: 'INVALID_OPTIONS' });
    assert.throws(() => resolveProxy(TARGET, ''), { code: 'INVALID_OPTIONS' });
  });

  it('checks the SDK option up front', () => {
    for (const ok of [undefined, false, 'http://p:1', 'p:1', { env: {} }]) checkProxyOption(ok);
    for (const bad of ['', '  ', true, 42, null, {}, { env: 'x' }, 'https://p:1']) {
      assert.throws(() => checkProxyOption(bad), { code: 'INVALID_OPTIONS' }, String(bad));
    }
  });
});
