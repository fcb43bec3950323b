// A file's stamp (inode, size and times): while it stays the same, the file holds what it held when
// it was read, so a reload need not open it (load.ts).
import { statSync } from 'node:fs';

/**
 * A file's ctime must be this much older than the moment it is looked at before its stamp is
 * trusted: on a file system with coarse timestamps (ticks of milliseconds, FAT's 2 s) a write just
 * after the read could leave inode, size and times as they were. Files changed that recently are
 * read again (and compared) on the next load.
 */
export const TRUSTED_STAMP_AGE_MS = 3_000;

/** Inode, size, mtime and ctime (ns) of `abs`; undefined when it cannot be read or changed too recently to tell. */
export function stampOf(abs: string, trustedAgeMs: number): string | undefined {
  try {
    const s = statSync(abs, { bigint: true });
    if (Date.now() - Number(s.ctimeNs / 1_000_000n) < trustedAgeMs) return undefined;
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

export function sameContent(a: Buffer | NodeJS.ErrnoException, b: Buffer | NodeJS.ErrnoException): boolean {
  if (a instanceof Error || b instanceof Error) return false; // an unreadable file is read again
  return a === b || a.equals(b);
}
