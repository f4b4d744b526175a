import fs from 'fs';
import path from 'path';
import { redact } from './redact';

const TOKEN = 'nh_build_0123456789abcdef';

/** [line as printed, line as stored]. */
const CORPUS: Array<[string, string]> = [
  [`token is ${TOKEN}!`, 'token is ***!'],
  [
    'Cloning https://x-access-token:s3cr3t@github.com/acme/site.git',
    'Cloning https://***@github.com/acme/site.git',
  ],
  [
    'GET https://api.example.com/v1?page=2&token=abc123&password=hunter2#top',
    'GET https://api.example.com/v1?page=2&token=***&password=***#top',
  ],
  [
    'PUT https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F2026&X-Amz-Signature=0a1b2c',
    'PUT https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***',
  ],
  [
    'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig" https://x',
    'curl -H "Authorization: Bearer ***" https://x',
  ],
  ['proxy-authorization: Basic dXNlcjpwYXNz', 'proxy-authorization: Basic ***'],
  [
    'http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3M6Z2hz',
    'http.extraheader=AUTHORIZATION: basic ***',
  ],
  [
    'GITHUB_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456 npm run build',
    'GITHUB_TOKEN=ghp_*** npm run build',
  ],
  [
    'gho_1234567890abcdefghij1234567890abcdef ghu_1234567890abcdefghij1234567890abcdef',
    'gho_*** ghu_***',
  ],
  [
    'ghs_1234567890abcdefghij1234567890abcdef,ghr_1234567890abcdefghij1234567890abcdef',
    'ghs_***,ghr_***',
  ],
  [
    'using github_pat_11AAAAAAA0aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    'using github_pat_***',
  ],
  [
    'git clone https://oauth2:glpat-AbCdEfGhIjKlMnOpQrSt_123@gitlab.com/a/b.git',
    'git clone https://***@gitlab.com/a/b.git',
  ],
  ['GITLAB_TOKEN=glpat-AbCdEfGhIjKlMnOpQrSt_123', 'GITLAB_TOKEN=glpat-***'],
  [
    '//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789',
    '//registry.npmjs.org/:_authToken=***',
  ],
  ['echo npm_abcdefghijklmnopqrstuvwxyz0123456789 done', 'echo npm_*** done'],
  ['AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE', 'AWS_ACCESS_KEY_ID=AKIA***'],
  ['session ASIAY34FZKBOKMUTVV7A expires', 'session ASIA*** expires'],
  [
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'aws_secret_access_key = ***',
  ],
  [
    'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'AWS_SECRET_ACCESS_KEY=***',
  ],
  [
    '  "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",',
    '  "SecretAccessKey": "***",',
  ],
  [
    'aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'aws configure set aws_secret_access_key ***',
  ],
  // A private key printed line by line: the BEGIN line and every body line.
  ['-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY----- ***'],
  ['MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', '***'],
  ['-----END RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----'],
  // …and one in a JSON line, and in a multi-line error.
  [
    '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}',
    '{"private_key": "-----BEGIN PRIVATE KEY----- *** -----END PRIVATE KEY-----\\n"}',
  ],
  [
    'bad key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABlwAAAAdzc2gtcn\n-----END OPENSSH PRIVATE KEY-----\nexit 1',
    'bad key:\n-----BEGIN OPENSSH PRIVATE KEY----- *** -----END OPENSSH PRIVATE KEY-----\nexit 1',
  ],
  // What must stay as it is.
  [
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ],
  [
    'dist/assets/index-BkJp3x9Q.js   142.31 kB │ gzip: 45.80 kB',
    'dist/assets/index-BkJp3x9Q.js   142.31 kB │ gzip: 45.80 kB',
  ],
  ['Missing Authorization header', 'Missing Authorization header'],
  [
    'https://example.com/search?q=token&page=2',
    'https://example.com/search?q=token&page=2',
  ],
  ['short secret abc stays', 'short secret abc stays'],
  ['  indented with trailing space  ', '  indented with trailing space  '],
];

describe('redact', () => {
  it.each(CORPUS)('%j', (input, expected) => {
    expect(redact(input, [TOKEN, 'abc'])).toBe(expected);
  });

  it('masks before it cuts over-long lines, so a token at the cut is not half shown', () => {
    // Cut first, the line would end in 'ghp_' and 17 characters of the token.
    const line = `${'x'.repeat(8170)} ghp_1234567890abcdefghij1234567890abcdef`;
    expect(redact(line, [])).toBe(`${'x'.repeat(8170)} ghp_***`);
    expect(redact('y'.repeat(9000), [])).toBe(
      `${'y'.repeat(8192)} … [truncated]`,
    );
  });

  it('is the same code as the build program’s copy', () => {
    // The build program (a standalone Node program) cannot import this
    // package; it carries a copy that must not drift from this one.
    const runnerPackage = require.resolve(
      '@internal/build-runner/package.json',
    );
    const copy = fs.readFileSync(
      path.join(path.dirname(runnerPackage), 'src', 'redact.ts'),
      'utf8',
    );
    expect(copy).toBe(
      fs.readFileSync(path.join(__dirname, 'redact.ts'), 'utf8'),
    );
  });
});
