/**
 * A matcher that finds which of many keywords occur in a text, in one pass (an Aho-Corasick automaton compiled
 * to a table over ASCII; matching is case-insensitive for A-Z). Keywords must be lower-case; characters outside
 * ASCII never match. Used as the secret patterns' prefilter: one scan per text instead of one search per keyword.
 */
export interface KeywordMatcher {
  /** The indexes (into the keywords given) of every keyword in `text`, overlapping ones included. */
  find(text: string): Set<number>;
  /**
   * Call `visit` with the index of every keyword occurrence in `text` (a keyword found twice is visited twice);
   * allocates nothing when no keyword occurs, the common case.
   */
  forEach(text: string, visit: (keyword: number) => void): void;
  /** Whether `text` holds any of the keywords (stops at the first). */
  test(text: string): boolean;
}

const ALPHABET = 128;

export function buildKeywordMatcher(keywords: readonly string[]): KeywordMatcher {
  // The trie.
  const children: Array<Map<number, number>> = [new Map()];
  const outputs: number[][] = [[]];
  keywords.forEach((keyword, index) => {
    let state = 0;
    for (let i = 0; i < keyword.length; i++) {
      const c = keyword.charCodeAt(i);
      if (c >= ALPHABET) throw new Error(`buildKeywordMatcher: keyword "${keyword}" is not ASCII`);
      let next = children[state]!.get(c);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        outputs.push([]);
        children[state]!.set(c, next);
      }
      state = next;
    }
    outputs[state]!.push(index);
  });
  // Failure links, breadth first, folded into a full transition table.
  const states = children.length;
  const table = new Int32Array(states * ALPHABET);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let c = 0; c < ALPHABET; c++) {
    const next = children[0]!.get(c) ?? 0;
    table[c] = next;
    if (next !== 0) queue.push(next);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    outputs[state]!.push(...outputs[fail[state]!]!);
    for (let c = 0; c < ALPHABET; c++) {
      const next = children[state]!.get(c);
      if (next === undefined) table[state * ALPHABET + c] = table[fail[state]! * ALPHABET + c]!;
      else {
        fail[next] = table[fail[state]! * ALPHABET + c]!;
        table[state * ALPHABET + c] = next;
        queue.push(next);
      }
    }
  }
  const hasOutput = new Uint8Array(states);
  for (let s = 0; s < states; s++) hasOutput[s] = outputs[s]!.length > 0 ? 1 : 0;
  const flat = outputs.map((o) => Int32Array.from(o));
  const forEach = (text: string, visit: (keyword: number) => void): void => {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= ALPHABET) {
        state = 0;
        continue;
      }
      if (c >= 65 && c <= 90) c += 32;
      state = table[state * ALPHABET + c]!;
      if (hasOutput[state] === 1) for (const k of flat[state]!) visit(k);
    }
  };
  return {
    find(text: string): Set<number> {
      const found = new Set<number>();
      forEach(text, (k) => found.add(k));
      return found;
    },
    forEach,
    test(text: string): boolean {
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i);
        if (c >= ALPHABET) {
          state = 0;
          continue;
        }
        if (c >= 65 && c <= 90) c += 32;
        state = table[state * ALPHABET + c]!;
        if (hasOutput[state] === 1) return true;
      }
      return false;
    },
  };
}
