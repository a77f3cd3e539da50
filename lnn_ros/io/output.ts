/**
 * The one way a command publishes what it writes (a file or a directory), so that no command
 * deletes or overwrites what it did not create and no output is ever seen half-written:
 *
 * - `Output.claim` runs before any work: it refuses an existing target that is not empty,
 *   naming it, unless the target is recognisably an earlier output of the same kind and the user
 *   asked to replace it (`--overwrite`); it refuses a target that is, or holds, one of the
 *   command's inputs; and it clears the temporary siblings a killed earlier run left beside it.
 * - The output is built in a temporary sibling and renamed into place (`publish`, or `stage`
 *   then `commit` for work that fills it over a long time), so the target holds either its
 *   previous complete state or the new complete one. Publishing again (a checkpoint per epoch)
 *   replaces the previous publication the same way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { removeStaleSiblings, swapIntoPlace, tempSibling, writeFlushed } from './atomic';

/** What a command writes, so that an existing target can be recognised as its own earlier output. */
export interface OutputKind {
  /** For messages: 'a policy directory'. */
  what: string;
  form: 'directory' | 'file';
  /** What makes it recognisable, for messages: 'policy.yaml'. */
  marks: string;
  /** Whether the existing `target` is an earlier output of this kind (all that --overwrite may replace). */
  isOwn(target: string): boolean;
}

/** A directory recognised by entries it always holds (`model/` for a directory entry). */
export function directoryKind(what: string, markers: string[]): OutputKind {
  return {
    what,
    form: 'directory',
    marks: markers.join(' + '),
    isOwn: (dir) =>
      markers.every((m) => {
        const s = fs.statSync(path.join(dir, m.replace(/\/$/, '')), { throwIfNoEntry: false });
        return m.endsWith('/') ? s?.isDirectory() === true : s?.isFile() === true;
      }),
  };
}

/**
 * A directory a command fills with entries of known names: recognised when it holds at least
 * one entry and only entries of those names (an interrupted run may have written only some).
 */
export function entriesKind(what: string, names: RegExp, marks: string): OutputKind {
  return {
    what,
    form: 'directory',
    marks,
    isOwn: (dir) => {
      const entries = fs.readdirSync(dir);
      return entries.length > 0 && entries.every((e) => names.test(e));
    },
  };
}

/** A single file recognised by its content (`recognise` gets its first 64 KiB). */
export function fileKind(what: string, marks: string, recognise: (head: Buffer) => boolean): OutputKind {
  return {
    what,
    form: 'file',
    marks,
    isOwn: (file) => {
      const fd = fs.openSync(file, 'r');
      try {
        const head = Buffer.alloc(64 * 1024);
        return recognise(head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)));
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

export interface ClaimOptions {
  /** May replace an existing output of the same kind (--overwrite; fit's --resume continues one). */
  replace?: boolean;
  /** How to ask for that, for the refusal: default 'pass --overwrite to replace it'. */
  replaceHint?: string;
  /** The command's inputs: the target may neither be one nor hold one. */
  inputs?: string[];
}

function listing(dir: string): string {
  const entries = fs.readdirSync(dir);
  const shown = entries.slice(0, 4).map((e) => (fs.statSync(path.join(dir, e), { throwIfNoEntry: false })?.isDirectory() ? `${e}/` : e));
  return `${shown.join(', ')}${entries.length > shown.length ? `, … ${entries.length} entries` : ''}`;
}

export class Output {
  private staged: string | null = null;
  private published = false;

  private constructor(
    /** The target, resolved. */
    readonly path: string,
    readonly kind: OutputKind,
    /** Whether an earlier output of this kind is there (to be replaced, or continued). */
    readonly previous: boolean,
    /** Removed leftovers of killed runs, for the command to mention. */
    readonly cleared: string[],
  ) {}

  /** Checks that the command may write `target` (see the file comment); throws InputError naming it otherwise. */
  static claim(target: string, kind: OutputKind, options: ClaimOptions = {}): Output {
    const resolved = path.resolve(target);
    for (const input of options.inputs ?? []) {
      const i = path.resolve(input);
      if (i === resolved) throw new InputError(`${target}: is an input of this command; refusing to write over it`);
      if (i.startsWith(resolved + path.sep)) throw new InputError(`${target}: holds the input ${input}; refusing to write over it`);
    }
    const cleared = removeStaleSiblings(resolved);
    const stat = fs.statSync(resolved, { throwIfNoEntry: false });
    if (!stat) return new Output(resolved, kind, false, cleared);
    const hint = options.replaceHint ?? 'pass --overwrite to replace it';
    if (kind.form === 'directory') {
      if (!stat.isDirectory()) throw new InputError(`${target}: exists and is a file, not ${kind.what}; refusing to replace it (choose a new directory)`);
      if (fs.readdirSync(resolved).length === 0) return new Output(resolved, kind, false, cleared);
    } else if (stat.isDirectory()) {
      throw new InputError(`${target}: is a directory; the output is a file (give a file path, e.g. ${path.join(target, 'out' + (path.extname(target) || '.json'))})`);
    }
    if (!kind.isOwn(resolved)) {
      const holds = kind.form === 'directory' ? `; it holds ${listing(resolved)}` : '';
      throw new InputError(`${target}: exists and is not ${kind.what} (no ${kind.marks}${holds}); refusing to overwrite what lnn-ros did not write`);
    }
    if (!options.replace) throw new InputError(`${target}: already holds ${kind.what}; ${hint}`);
    return new Output(resolved, kind, true, cleared);
  }

  /**
   * A fresh temporary sibling to build the output in: a directory, created; or for a file
   * output, a path (with the target's extension) to create. `commit` puts it in place.
   */
  stage(): string {
    if (this.staged) throw new Error(`${this.path}: already staged at ${this.staged}`);
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const staged = tempSibling(this.path, this.kind.form === 'file');
    if (this.kind.form === 'directory') fs.mkdirSync(staged);
    this.staged = staged;
    return staged;
  }

  /** Renames the staged output into place, replacing the previous state the claim allowed (or an earlier publication). */
  commit(): void {
    const staged = this.staged;
    if (!staged) throw new Error(`${this.path}: nothing staged to commit`);
    const now = fs.statSync(this.path, { throwIfNoEntry: false });
    const empty = now?.isDirectory() === true && fs.readdirSync(this.path).length === 0;
    if (now && !empty && !this.previous && !this.published) {
      throw new InputError(`${this.path}: appeared while the output was being written; left as it is, the new output stays in ${staged}`);
    }
    swapIntoPlace(staged, this.path);
    this.staged = null;
    this.published = true;
  }

  /** Removes the staged output (work abandoned; the target keeps its previous state). */
  discard(): void {
    if (this.staged) fs.rmSync(this.staged, { recursive: true, force: true });
    this.staged = null;
  }

  /** Builds the output with `fill` in a temporary sibling and renames it into place; on failure nothing changes. Returns what `fill` returns. */
  async publish<T>(fill: (staged: string) => T | Promise<T>): Promise<T> {
    const staged = this.stage();
    let result: T;
    try {
      result = await fill(staged);
    } catch (e) {
      this.discard();
      throw e;
    }
    this.commit();
    return result;
  }

  /** Publishes a file output with this content, flushed to disk before the rename. */
  async writeFile(data: string | Uint8Array): Promise<void> {
    await this.publish((file) => writeFlushed(file, data));
  }
}
