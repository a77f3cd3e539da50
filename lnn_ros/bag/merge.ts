/** k-way merge of time-ordered message streams (the storage files of a split bag). */

/** One input of the merge. */
export interface MergeSource<T> {
  /** No message of this source is earlier than this; the source is opened only when needed. */
  startNs: bigint;
  open(): AsyncIterator<T>;
}

interface Head<T> {
  value: T;
  source: number;
  iterator: AsyncIterator<T>;
}

/**
 * Yields the messages of all sources in log-time order; ties keep source order. Sources start
 * lazily at their start time, so a bag split into many consecutive files keeps one or two open.
 */
export async function* mergeByLogTime<T extends { logTimeNs: bigint }>(sources: MergeSource<T>[]): AsyncGenerator<T> {
  const pending = sources.map((s, index) => ({ ...s, index })).sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.index - b.index));
  const heap: Head<T>[] = [];
  const before = (a: Head<T>, b: Head<T>): boolean =>
    a.value.logTimeNs < b.value.logTimeNs || (a.value.logTimeNs === b.value.logTimeNs && a.source < b.source);
  const push = (head: Head<T>): void => {
    heap.push(head);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Head<T>, heap[parent] as Head<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Head<T>, heap[i] as Head<T>];
      i = parent;
    }
  };
  const popTop = (): void => {
    const last = heap.pop() as Head<T>;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l] as Head<T>, heap[m] as Head<T>)) m = l;
      if (r < heap.length && before(heap[r] as Head<T>, heap[m] as Head<T>)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m] as Head<T>, heap[i] as Head<T>];
      i = m;
    }
  };
  const advance = async (source: number, iterator: AsyncIterator<T>): Promise<void> => {
    const next = await iterator.next();
    if (!next.done) push({ value: next.value, source, iterator });
  };
  const open: AsyncIterator<T>[] = [];
  try {
    for (;;) {
      // Open every source that may hold a message before the current earliest head.
      while (pending.length > 0 && (heap.length === 0 || (pending[0] as MergeSource<T>).startNs <= (heap[0] as Head<T>).value.logTimeNs)) {
        const source = pending.shift() as MergeSource<T> & { index: number };
        const iterator = source.open();
        open.push(iterator);
        await advance(source.index, iterator);
      }
      const top = heap[0];
      if (!top) return;
      popTop();
      yield top.value;
      await advance(top.source, top.iterator);
    }
  } finally {
    await Promise.all(open.map((it) => it.return?.()));
  }
}
