import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { md5, md5File, sha256, sha256File } from '../src/index.js';

const root = await mkdtemp(join(tmpdir(), 'files-checksums-'));
afterAll(() => rm(root, { recursive: true, force: true }));

// Published test vectors: FIPS 180-2 appendix B (SHA-256) and RFC 1321 appendix A.5 (MD5).
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_MD5 = '900150983cd24fb0d6963f7d28e17f72';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
// One million "a": FIPS 180-2 B.3, and the same string's MD5 as the usual reference tables give it.
const MILLION_A_SHA256 = 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0';
const MILLION_A_MD5 = '7707d6ae4e027c70eea2a935c2296f21';

describe('checksums of bytes', () => {
  it('match the published vectors for text and for bytes', () => {
    expect(sha256('abc')).toBe(ABC_SHA256);
    expect(md5('abc')).toBe(ABC_MD5);
    expect(sha256(new Uint8Array([0x61, 0x62, 0x63]))).toBe(ABC_SHA256);
    expect(md5(new Uint8Array([0x61, 0x62, 0x63]))).toBe(ABC_MD5);
    expect(sha256('')).toBe(EMPTY_SHA256);
    expect(md5(new Uint8Array(0))).toBe(EMPTY_MD5);
  });
});

describe('checksums of files', () => {
  it('stream a file larger than one read chunk to the published digest', async () => {
    const path = join(root, 'million-a.txt');
    await writeFile(path, 'a'.repeat(1_000_000));
    expect(await sha256File(path)).toBe(MILLION_A_SHA256);
    expect(await md5File(path)).toBe(MILLION_A_MD5);
  });

  it('hash an empty file and reject a missing one with its path', async () => {
    const empty = join(root, 'empty');
    await writeFile(empty, '');
    expect(await sha256File(empty)).toBe(EMPTY_SHA256);
    expect(await md5File(empty)).toBe(EMPTY_MD5);
    const missing = join(root, 'missing');
    await expect(sha256File(missing)).rejects.toMatchObject({ code: 'ENOENT', path: missing });
  });
});
