import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

export interface S3Emulator {
  readonly client: S3Client;
  readonly endpoint: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** fauxqs's S3 in-process on a free loopback port (as local/emulators.ts runs it), with a path-style client. */
export async function startS3Emulator(): Promise<S3Emulator> {
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    client,
    endpoint,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}
