import type { PartnerLogDownload } from './partner.contract.js';

/** Reads a whole download into memory (small logs, tests); errors are the download's PartnerErrors. */
export async function collectLogDownload(download: PartnerLogDownload): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of download.chunks) chunks.push(chunk);
  return Buffer.concat(chunks);
}
