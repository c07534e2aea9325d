import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../results/.tls/', import.meta.url));

export interface FleetCertificates {
  /** PEM of the bench's own CA: given to the checker as NODE_EXTRA_CA_CERTS, trusted nowhere else. */
  readonly caFile: string;
  readonly key: string;
  /** Certificate (PEM) by site address. */
  readonly certs: Readonly<Record<string, string>>;
}

// Real certificates name a handful of hosts; one certificate for the whole fleet would carry hundreds of
// IP SANs and make every handshake parse them. Ten addresses per certificate keeps them realistic.
const ADDRESSES_PER_CERTIFICATE = 10;

/**
 * A throwaway CA and server certificates for the fleet addresses (IP SANs, ten per certificate), made with the
 * openssl CLI (Node cannot issue X.509 certificates). ECDSA P-256, as most sites serve today. Undefined
 * without openssl.
 */
export async function createFleetCertificates(
  addresses: readonly string[],
): Promise<FleetCertificates | undefined> {
  await mkdir(DIR, { recursive: true });
  const file = (name: string) => join(DIR, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const certs = new Map<string, string>();
  try {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file('ca.key'),
      '-subj',
      '/CN=uptime-squirrel bench CA',
      '-days',
      '1',
      '-out',
      file('ca.pem'),
    );
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('site.key'));
    openssl('req', '-new', '-key', file('site.key'), '-subj', '/CN=bench site', '-out', file('site.csr'));
    for (let start = 0; start < addresses.length; start += ADDRESSES_PER_CERTIFICATE) {
      const group = addresses.slice(start, start + ADDRESSES_PER_CERTIFICATE);
      await writeFile(
        file('site.ext'),
        `subjectAltName=${group.map((address) => `IP:${address}`).join(',')}\nextendedKeyUsage=serverAuth\n`,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        file('site.csr'),
        '-CA',
        file('ca.pem'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        file('site.ext'),
        '-out',
        file('site.pem'),
      );
      const pem = await readFile(file('site.pem'), 'utf8');
      for (const address of group) certs.set(address, pem);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return {
    caFile: file('ca.pem'),
    key: await readFile(file('site.key'), 'utf8'),
    certs: Object.fromEntries(certs),
  };
}
