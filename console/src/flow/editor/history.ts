// Undo/redo as a history of document snapshots. Pure: every operation returns a new history.
// Edits that carry the same `group` one after another (typing into one field, dragging one
// node) replace the present instead of adding a step, so one undo takes back the whole gesture.

export interface History<T> {
  past: T[];
  present: T;
  future: T[];
  /** The group of the last edit; null after undo/redo or a fresh start. */
  group: string | null;
}

export const HISTORY_LIMIT = 100;

export function start<T>(present: T): History<T> {
  return { past: [], present, future: [], group: null };
}

export function record<T>(h: History<T>, next: T, group: string | null = null): History<T> {
  if (next === h.present) return h;
  if (group !== null && group === h.group) return { ...h, present: next, future: [] };
  const past = [...h.past, h.present].slice(-HISTORY_LIMIT);
  return { past, present: next, future: [], group };
}

/** Replace the present without a step (a document saved, positions measured). */
export function replace<T>(h: History<T>, present: T): History<T> {
  return { ...h, present };
}

export function undo<T>(h: History<T>): History<T> {
  if (h.past.length === 0) return h;
  const previous = h.past[h.past.length - 1];
  return { past: h.past.slice(0, -1), present: previous, future: [h.present, ...h.future], group: null };
}

export function redo<T>(h: History<T>): History<T> {
  if (h.future.length === 0) return h;
  const [next, ...rest] = h.future;
  return { past: [...h.past, h.present], present: next, future: rest, group: null };
}

export const canUndo = <T,>(h: History<T>) => h.past.length > 0;
export const canRedo = <T,>(h: History<T>) => h.future.length > 0;
