import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { buildApp } from 'fauxqs';

/** A path-style client of the bench's S3 emulator (child processes get only its endpoint). */
export function benchS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
}

export interface BenchS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  stop(): Promise<void>;
}

/** fauxqs's S3 on a free loopback port (buildApp, not startFauxqs: that binds 0.0.0.0) with `bucket` created. */
export async function startBenchS3(bucket: string): Promise<BenchS3> {
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const client = benchS3Client(endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    client.destroy();
    await app.close();
    throw error;
  }
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await app.close();
    },
  };
}
