/**
 * Writes that never leave a partial file or directory behind: everything is built in a
 * temporary sibling (`.NAME.tmp-PID-N`), flushed, and renamed into place. A process killed in
 * between leaves only that sibling, which `removeStaleSiblings` clears on the next run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let sequence = 0;

/**
 * A fresh name beside `target`: `.NAME.tmp-PID-N`, or `.STEM.tmp-PID-N.EXT` with `keepExtension`
 * (for writers that choose their format by the extension, as the MCAP writer does).
 */
export function tempSibling(target: string, keepExtension = false): string {
  return sibling(target, 'tmp', keepExtension);
}

function sibling(target: string, role: 'tmp' | 'old', keepExtension = false): string {
  const resolved = path.resolve(target);
  const base = path.basename(resolved);
  const ext = keepExtension ? path.extname(base) : '';
  return path.join(path.dirname(resolved), `.${base.slice(0, base.length - ext.length)}.${role}-${process.pid}-${++sequence}${ext}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Clears what a killed process left beside `target` under this module's names (nothing else):
 * its temporary siblings are removed, and a previous version it had moved aside for a swap is
 * put back when the target is missing. Siblings of live processes are left alone. Returns the
 * names removed or restored.
 */
export function removeStaleSiblings(target: string): string[] {
  const resolved = path.resolve(target);
  const parent = path.dirname(resolved);
  if (!fs.existsSync(parent)) return [];
  const base = path.basename(resolved);
  const ext = path.extname(base);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stem = escape(base.slice(0, base.length - ext.length));
  const pattern = new RegExp(`^\\.(?:${escape(base)}\\.(tmp|old)-(\\d+)-\\d+|${stem}\\.(tmp)-(\\d+)-\\d+${escape(ext)})$`);
  const cleared: string[] = [];
  for (const name of fs.readdirSync(parent)) {
    const m = pattern.exec(name);
    if (!m) continue;
    const role = m[1] ?? m[3];
    const pid = Number(m[2] ?? m[4]);
    if (pid === process.pid || isAlive(pid)) continue;
    const leftover = path.join(parent, name);
    if (role === 'old' && !fs.existsSync(resolved)) fs.renameSync(leftover, resolved);
    else fs.rmSync(leftover, { recursive: true, force: true });
    cleared.push(name);
  }
  return cleared;
}

/** Creates `file` (which must not exist) with `data`, flushed to disk. */
export function writeFlushed(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Files by path relative to a directory ('rnn/config.yaml'), held in memory until written. */
export type FileTree = Record<string, string | Uint8Array>;

/** Writes every file of `tree` under `dir`, flushed, creating sub-directories as needed. */
export function writeTree(dir: string, tree: FileTree): void {
  for (const [name, data] of Object.entries(tree)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFlushed(file, data);
  }
}

/** Every file under `dir`, read into memory. */
export function readTree(dir: string): FileTree {
  const tree: FileTree = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    tree[path.relative(dir, file)] = fs.readFileSync(file);
  }
  return tree;
}

/**
 * Fills `dst` with hard links to every file under `src`: a copy that costs no space, for
 * building a new version of a directory beside it. Replace files in it by renaming over them
 * (writeFileAtomic), never by writing into them, or `src` changes too.
 */
export function linkTree(src: string, dst: string): void {
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const from = path.join(src, entry.name);
    const to = path.join(dst, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(to);
      linkTree(from, to);
    } else {
      fs.linkSync(from, to);
    }
  }
}

/** `tree` moved into the sub-directory `prefix`. */
export function underDir(prefix: string, tree: FileTree): FileTree {
  return Object.fromEntries(Object.entries(tree).map(([name, data]) => [path.join(prefix, name), data]));
}

/** Writes `data` to a temporary sibling, flushes it to disk, and renames it over `file`. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = tempSibling(file);
  try {
    writeFlushed(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Puts the finished `built` (a file or directory) at `target`, replacing what is there: a file
 * by one rename, a directory by moving it aside first. A crash in between leaves the old
 * version aside under a name that `removeStaleSiblings` puts back.
 */
export function swapIntoPlace(built: string, target: string): void {
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!existing?.isDirectory()) {
    fs.renameSync(built, target);
    return;
  }
  const old = sibling(target, 'old');
  fs.renameSync(target, old);
  try {
    fs.renameSync(built, target);
  } catch (e) {
    fs.renameSync(old, target);
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Fills a fresh sibling directory with `fill`, then swaps it in place of `dir`. A crash at any
 * point leaves either the old directory or the complete new one (plus a temporary sibling that
 * the next run clears).
 */
export function replaceDirAtomic(dir: string, fill: (tmpDir: string) => void): void {
  fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  const tmp = tempSibling(dir);
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
    swapIntoPlace(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
