import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { OdtError } from '@odt/cli-kit';
import { formatBytes, formatCount } from '@odt/contract';
import { MAX_DATASET_PIXEL_BYTES } from './dataset-limits.ts';
import { unreadable } from './dataset-paths.ts';

/** What an IDX file must hold: its magic number (unsigned bytes + dimension count). */
export interface IdxLayout {
  what: 'images' | 'labels';
  magic: number;
  dimensions: number;
}
/** The two IDX layouts MNIST/EMNIST ship: images (count, rows, cols) and labels (count). */
export const IDX_IMAGES: IdxLayout = { what: 'images', magic: 0x00000803, dimensions: 3 };
export const IDX_LABELS: IdxLayout = { what: 'labels', magic: 0x00000801, dimensions: 1 };

/** The parsed header and the data bytes after it. */
export interface IdxFile {
  dims: number[];
  data: Buffer;
}

/** DATASET_CORRUPT naming the file, with the advice that fits any damaged IDX file. */
function idxCorrupt(path: string, why: string): OdtError {
  return new OdtError('DATASET_CORRUPT', `${path} is not a valid IDX file: ${why}`, {
    suggestion: 'Use MNIST/EMNIST IDX files (e.g. train-images-idx3-ubyte[.gz] with train-labels-idx1-ubyte[.gz]) and check they downloaded completely.',
  });
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

const describeDims = (layout: IdxLayout, dims: number[]) =>
  layout.what === 'images' ? `${formatCount(dims[0]!)} images of ${dims[1]}x${dims[2]}` : `${formatCount(dims[0]!)} labels`;

/** Reads the header once its bytes are in; returns the total size the file must have. */
function expectedSize(path: string, prefix: Buffer, layout: IdxLayout, maxDataBytes: number): { dims: number[]; size: number } {
  if (prefix.readUInt32BE(0) !== layout.magic) throw idxCorrupt(path, `bad header (expected magic 0x${layout.magic.toString(16).padStart(8, '0')})`);
  const dims = Array.from({ length: layout.dimensions }, (_, i) => prefix.readUInt32BE(4 + 4 * i));
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  if (dataBytes > maxDataBytes) {
    throw new OdtError('DATASET_MISMATCH', `${path}'s header promises ${describeDims(layout, dims)} (${formatBytes(dataBytes)}), above the limit of ${formatBytes(maxDataBytes)} of ${layout.what === 'images' ? 'pixel' : 'label'} data`, {
      suggestion: 'Train on a smaller split of the data; if the file is not meant to be that large, it is damaged: re-download it.',
    });
  }
  return { dims, size: 4 + 4 * layout.dimensions + dataBytes };
}

/**
 * Reads an IDX file, plain or gzipped (by magic bytes), as a stream that stops at the size its
 * header promises: a gzip bomb is refused after that many bytes instead of being inflated
 * whole into memory, and a header promising more than the dataset limit is refused at once.
 */
export async function readIdxFile(path: string, layout: IdxLayout, maxDataBytes = MAX_DATASET_PIXEL_BYTES): Promise<IdxFile> {
  const headerSize = 4 + 4 * layout.dimensions;
  const gzipped = await isGzip(path).catch((cause: unknown) => {
    throw unreadable(path, cause);
  });
  const file = createReadStream(path);
  const stream: Readable = gzipped ? pipeline(file, createGunzip(), () => {}) : file;
  const pending: Buffer[] = [];
  let header: { dims: number[]; size: number } | undefined;
  let out: Buffer | undefined;
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let bytes = chunk;
      if (!header) {
        pending.push(chunk);
        bytes = Buffer.concat(pending);
        if (bytes.length < headerSize) continue;
        header = expectedSize(path, bytes, layout, maxDataBytes);
        out = Buffer.allocUnsafe(header.size);
      }
      if (total + bytes.length > header.size) {
        const over = gzipped ? 'decompresses to more than' : 'has more than';
        throw idxCorrupt(path, `it ${over} the ${formatCount(header.size)} bytes its header promises (${describeDims(layout, header.dims)}); refused at that cap without reading the rest`);
      }
      bytes.copy(out!, total);
      total += bytes.length;
    }
  } catch (cause) {
    if (cause instanceof OdtError) throw cause;
    if ((cause as NodeJS.ErrnoException).code?.startsWith('Z_')) throw idxCorrupt(path, 'it is a truncated or damaged gzip file');
    throw unreadable(path, cause);
  } finally {
    stream.destroy();
    file.destroy();
  }
  if (!header) {
    const size = pending.reduce((n, b) => n + b.length, 0);
    throw idxCorrupt(path, `bad header (the ${gzipped ? 'decompressed ' : ''}file has only ${size} bytes)`);
  }
  if (total < header.size) {
    throw idxCorrupt(path, `header promises ${describeDims(layout, header.dims)} (${formatCount(header.size)} bytes) but the file has ${formatCount(total)} bytes (truncated?)`);
  }
  return { dims: header.dims, data: out!.subarray(headerSize) };
}
